using EfficientNetLab.Data;
using EfficientNetLab.Imaging;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Evaluation;

/// <summary>
/// How an accuracy run is done; defaults follow timm's validate.py where it has one. Where the model runs is not
/// among them: that is the model's <see cref="LoadedModel.Placement"/>.
/// </summary>
public sealed record EvalOptions
{
    /// <summary>The batch size of an accuracy run unless one is given: every front end's default.</summary>
    public const int DefaultBatchSize = 64;

    public int BatchSize { get; init; } = DefaultBatchSize;
    /// <summary>Decode workers; 0 = one per core.</summary>
    public int Workers { get; init; }
    /// <summary>Evaluate only the first N images (in dataset order).</summary>
    public int? Limit { get; init; }
    /// <summary>Folder for predictions.csv, skipped.csv, summary.json; null keeps results in memory only.</summary>
    public string? OutDir { get; init; }
    /// <summary>Evaluate only this shard of the (limited) dataset, recording the global indices; see <see cref="Data.Shard"/>.</summary>
    public Shard? Shard { get; init; }
    /// <summary>Continue after the last image recorded in <see cref="OutDir"/>.</summary>
    public bool Resume { get; init; }
    /// <summary>Replace the run already in <see cref="OutDir"/> (its files only).</summary>
    public bool Overwrite { get; init; }
    /// <summary>Stop at the first unreadable image instead of skipping it.</summary>
    public bool Strict { get; init; }
    public int TopK { get; init; } = 5;
    /// <summary>Resolved by <see cref="BackendChoice"/> when the run starts; the summary records what it picked and why.</summary>
    public InferenceBackend Backend { get; init; } = InferenceBackend.Auto;
    /// <summary>Misclassified files kept in the summary (all are in predictions.csv).</summary>
    public int MisclassifiedInSummary { get; init; } = 50;

    /// <summary>
    /// Every check on these options for a run of <paramref name="loaded"/> with <paramref name="preset"/>, as one
    /// <see cref="ArgumentException"/> naming the option. The evaluator calls it before it writes anything, so
    /// that a bad combination never costs a previous run its files.
    /// </summary>
    public void Validate(LoadedModel loaded, EvalPreset preset)
    {
        if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}.");
        if (Workers < 0) throw new ArgumentException($"--workers must be 0 (one per core) or more, got {Workers}.");
        if (Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {Limit}.");
        if (TopK < 1) throw new ArgumentException($"top-k must be at least 1, got {TopK}.");
        if (MisclassifiedInSummary < 0) throw new ArgumentException($"misclassified-in-summary must be 0 or more, got {MisclassifiedInSummary}.");
        if (Resume && Overwrite) throw new ArgumentException("--resume continues the run in --out and --overwrite replaces it: give one of them.");
        if (OutDir is null && (Resume || Overwrite))
            throw new ArgumentException($"{(Resume ? "--resume" : "--overwrite")} needs --out (the folder of the run).");
        if (OutDir is not null)
        {
            if (File.Exists(OutDir)) throw new ArgumentException($"--out {OutDir} is a file; give a folder for the run.");
            if (!Resume && !Overwrite && RunFolder.RunMarkers(OutDir) is { Count: > 0 } found)
                throw new ArgumentException($"--out {OutDir} already holds a run ({string.Join(", ", found)}): " +
                                            "pass --resume to continue it or --overwrite to replace it.");
        }
        if (Shard is { } shard && loaded.WeightsPath is null)
            throw new ArgumentException($"--shard {shard} needs weights from a file or a published tag: {loaded.WeightsDescription} differs in " +
                                        "every process, so its shards could not be merged (save it once and pass the file).");
        BackendForward.Validate(loaded, Backend, preset.CropSize);
    }
}

/// <summary>Where a run is, for progress bars.</summary>
public sealed record EvalProgress(long Done, long Total, long Skipped, double ImagesPerSecond, double Top1, double Top5, TimeSpan Elapsed)
{
    public TimeSpan? Eta => ImagesPerSecond > 0 ? TimeSpan.FromSeconds((Total - Done) / ImagesPerSecond) : null;
}
