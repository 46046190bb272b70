import ParleyCore
import ParleyXML

/// An XMPP payload's native form is its element tree, compared by value.
extension XMLElement: NativeValue {}
