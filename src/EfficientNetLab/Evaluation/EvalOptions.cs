namespace EfficientNetLab.Evaluation;

/// <summary>How an accuracy run is done; defaults follow timm's validate.py where it has one.</summary>
public sealed record EvalOptions
{
    /// <summary>The batch size of an accuracy run unless one is given: every front end's default.</summary>
    public const int DefaultBatchSize = 64;

    public int BatchSize { get; init; } = DefaultBatchSize;
    /// <summary>Decode workers; 0 = one per core.</summary>
    public int Workers { get; init; }
    public string Device { get; init; } = "auto";
    public bool Half { get; init; }
    public bool ChannelsLast { get; init; }
    /// <summary>Evaluate only the first N images (in dataset order).</summary>
    public int? Limit { get; init; }
    /// <summary>Folder for predictions.csv, skipped.csv, summary.json; null keeps results in memory only.</summary>
    public string? OutDir { get; init; }
    /// <summary>Continue after the last image recorded in <see cref="OutDir"/>.</summary>
    public bool Resume { get; init; }
    /// <summary>Stop at the first unreadable image instead of skipping it.</summary>
    public bool Strict { get; init; }
    public int TopK { get; init; } = 5;
    public InferenceBackend Backend { get; init; } = InferenceBackend.LibTorch;
    /// <summary>Misclassified files kept in the summary (all are in predictions.csv).</summary>
    public int MisclassifiedInSummary { get; init; } = 50;
}

/// <summary>Where a run is, for progress bars.</summary>
public sealed record EvalProgress(long Done, long Total, long Skipped, double ImagesPerSecond, double Top1, double Top5, TimeSpan Elapsed)
{
    public TimeSpan? Eta => ImagesPerSecond > 0 ? TimeSpan.FromSeconds((Total - Done) / ImagesPerSecond) : null;
}
