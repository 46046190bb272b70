/// When a repeated event is worth a log line: the first time, then at every power of ten
/// (1, 10, 100, …), so that a flood of drops stays visible without a line per drop.
public enum SparseLog {
    /// Whether the `count`th occurrence (counting from 1) is logged.
    public static func isLogged(_ count: Int) -> Bool {
        guard count > 0 else { return false }
        var power = 1
        while power < count { power *= 10 }
        return power == count
    }
}
