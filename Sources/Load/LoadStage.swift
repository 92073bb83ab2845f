/// Load: merges edge batches into PostgreSQL (issue #3). This target is deliberately thin
/// until then: it exists so that the pipeline's layout, and its import boundaries, are
/// fixed from the start.
public enum LoadStage {
    public static let name = "load"
}
