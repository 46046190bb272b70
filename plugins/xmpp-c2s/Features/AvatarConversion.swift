import Foundation
import ParleyCore
import ParleyXML
import ParleyXMPP

/// XEP-0398 user avatar to vCard conversion, both ways, through the account's PEP service:
/// a vcard-temp PHOTO is published as the XEP-0084 avatar (§3.2: data and metadata under
/// the image's SHA-1); the current XEP-0084 avatar is the vCard's PHOTO when the vCard is
/// read (§3.1); and every available presence carries the avatar's hash (§4,
/// `vcard-temp:x:update`).
struct AvatarConversion: Sendable {
    static let feature = "urn:xmpp:pep-vcard-conversion:0"
    static let dataNode = "urn:xmpp:avatar:data"
    static let metadataNode = "urn:xmpp:avatar:metadata"
    static let updateNamespace = "vcard-temp:x:update"
    /// Largest image converted (a BINVAL past it stays in the vCard only).
    static let maximumImageBytes = 1 << 20
    let pep: PEPAccount

    /// §3.2: the vCard's PHOTO (TYPE and BINVAL) as the account's XEP-0084 avatar.
    func vCardStored(_ vCard: XMLElement, owner: JID) async {
        guard let (image, type) = Self.photo(in: vCard) else { return }
        let id = Self.sha1(image)
        var data = XMLElement(name: "data", namespace: Self.dataNode)
        data.append(text: image.base64EncodedString())
        var metadata = XMLElement(name: "metadata", namespace: Self.metadataNode)
        metadata.append(
            XMLElement(
                name: "info", namespace: Self.metadataNode,
                attributes: [
                    XMLAttribute("id", value: id), XMLAttribute("bytes", value: String(image.count)), XMLAttribute("type", value: type),
                ]))
        try? await pep.publish(owner: owner, node: Self.dataNode, id: id, payload: data, options: nil)
        try? await pep.publish(owner: owner, node: Self.metadataNode, id: id, payload: metadata, options: nil)
    }

    /// §3.1: `vCard` with the current XEP-0084 avatar as its PHOTO, when that differs.
    func withCurrentAvatar(_ vCard: XMLElement, owner: JID) async -> XMLElement {
        guard let (id, metadata) = await currentAvatar(of: owner),
            let info = metadata.firstChild(named: "info", namespace: Self.metadataNode)
        else { return vCard }
        if let (current, _) = Self.photo(in: vCard), Self.sha1(current) == id { return vCard }
        guard let data = await pep.item(owner: owner, node: Self.dataNode, id: id),
            let image = Data(base64Encoded: data.text, options: .ignoreUnknownCharacters), image.count <= Self.maximumImageBytes
        else { return vCard }
        var updated = vCard
        updated.children.removeAll { if case .element(let child) = $0 { child.name == "PHOTO" } else { false } }
        var photo = XMLElement(name: "PHOTO", namespace: VCardFeature.namespace)
        photo.append(text: info[attribute: "type"] ?? "image/png", in: "TYPE", namespace: VCardFeature.namespace)
        photo.append(text: image.base64EncodedString(), in: "BINVAL", namespace: VCardFeature.namespace)
        updated.append(photo)
        return updated
    }

    /// §4: the `<x xmlns='vcard-temp:x:update'><photo>hash</photo></x>` of the account's
    /// current avatar (an empty `<photo/>` when it has none).
    func presenceUpdate(owner: JID) async -> XMLElement {
        var x = XMLElement(name: "x", namespace: Self.updateNamespace)
        let id = await currentAvatar(of: owner)?.id
        x.append(XMLElement(name: "photo", namespace: Self.updateNamespace, children: id.map { [.text($0)] } ?? []))
        return x
    }

    /// The newest avatar metadata item; most accounts have none, known without a request.
    private func currentAvatar(of owner: JID) async -> (id: String, payload: XMLElement)? {
        guard await pep.services.hasItems(of: owner, in: [Self.metadataNode]) else { return nil }
        return await pep.latestItem(owner: owner, node: Self.metadataNode)
    }

    /// The image and type of a vCard's PHOTO, when it has a BINVAL.
    static func photo(in vCard: XMLElement) -> (Data, String)? {
        guard let photo = vCard.firstChild(named: "PHOTO", namespace: VCardFeature.namespace),
            let binval = photo.firstChild(named: "BINVAL", namespace: VCardFeature.namespace)?.text,
            let image = Data(base64Encoded: binval, options: .ignoreUnknownCharacters), !image.isEmpty,
            image.count <= maximumImageBytes
        else { return nil }
        let type = photo.firstChild(named: "TYPE", namespace: VCardFeature.namespace)?.text ?? "image/png"
        return (image, type.isEmpty ? "image/png" : type)
    }

    static func sha1(_ data: Data) -> String { ContentHash.sha1Hex(data) }
}
