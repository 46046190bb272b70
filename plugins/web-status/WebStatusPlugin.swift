import ParleyLauncher
import ServiceLifecycle

/// `parleyd web-status`: web presence component (skeleton; being built).
public enum WebStatusPlugin: ParleyPlugin {
    public static let name = "web-status"
    public static let summary = "Web presence component: XEP-0077 registration, presence tracking, /status/<id> over HTTP."
    public static let options: [any AnyPluginOption] = []

    public static func makeService(options: PluginOptions, context: PluginContext) throws -> any Service {
        throw OptionError(key: "plugin", message: "web-status is not built yet")
    }
}
