using EfficientNetLab.Evaluation;
using EfficientNetLab.Options;

namespace EfficientNetLab;

// What each Lab call is asked to do. A property is its magic's option in PascalCase (--batch-size → BatchSize);
// an unset property has the magic's default, read from the option's one definition (KitOptions), and Lab checks
// every value with that definition's rule, so a request fails with the words the magic uses.

/// <summary><c>#!efficientnet</c>: which model, which weights, where it runs.</summary>
public sealed record LoadRequest
{
    /// <summary>--model of a load: optional, because a self-describing checkpoint file names its variant.</summary>
    public static readonly OptionDefinition<string?> ModelOption =
        KitOptions.Model.WithDefault(null, "Variant: b0…b7, v2_s, v2_m, v2_l (optional with a self-describing checkpoint file).");

    /// <summary>--weights of a load: the variant's default published weights unless a file, a tag or 'random' is given.</summary>
    public static readonly OptionDefinition<string?> WeightsOption = KitOptions.Weights.WithDefault("default");

    /// <summary>The variable #!efficientnet binds without --name, and the name a lesson app gives the model.</summary>
    public const string DefaultName = "model";

    public string? Model { get; init; } = ModelOption.Default;
    public string? Weights { get; init; } = WeightsOption.Default;
    public string? Device { get; init; } = KitOptions.Device.Default;
    public bool Half { get; init; }
    public bool ChannelsLast { get; init; }
    /// <summary>A mirror that replaces torchvision's download host.</summary>
    public string? BaseUrl { get; init; }
}

/// <summary><c>#!classify</c>: image files, folders (flat or ImageFolder) and http(s) URLs, in order.</summary>
public sealed record ClassifyRequest
{
    public string[] Image { get; init; } = [];
    public int Topk { get; init; } = KitOptions.TopK.Default;
}

/// <summary><c>#!preprocess</c> with a variant: the eval transform of that variant's default published weights.</summary>
public sealed record PreprocessRequest
{
    /// <summary>--model of #!preprocess: the variant whose published preset is shown.</summary>
    public static readonly OptionDefinition<string?> ModelOption =
        KitOptions.Model.WithDefault("b0", "Variant whose published preset to use.");

    public string? Image { get; init; }
    public string? Model { get; init; } = ModelOption.Default;
}

/// <summary><c>#!accuracy</c>: an accuracy run of a loaded model over a labelled folder.</summary>
public sealed record AccuracyRequest
{
    /// <summary>The variable #!accuracy binds its result to without --name.</summary>
    public const string DefaultName = "accuracy";

    public string? Data { get; init; }
    public string? ClassMap { get; init; }
    public int BatchSize { get; init; } = KitOptions.BatchSize.Default;
    public int Workers { get; init; } = KitOptions.Workers.Default;
    public int? Limit { get; init; } = KitOptions.Limit.Default;
    /// <summary>Folder for predictions.csv, per_class.csv, confusion.csv, summary.json; null keeps the run in memory.</summary>
    public string? Out { get; init; }
    public bool Resume { get; init; }
    public bool Overwrite { get; init; }
    public bool Strict { get; init; }
    public InferenceBackend Backend { get; init; } = KitOptions.Backend.Default;
}

/// <summary><c>#!benchmark</c>: throughput and latency on synthetic input, per batch size.</summary>
public sealed record BenchmarkRequest
{
    public int[] BatchSize { get; init; } = KitOptions.BatchSizes.Default;
    public int? ImageSize { get; init; } = KitOptions.ImageSize.Default;
    public int Warmup { get; init; } = KitOptions.Warmup.Default;
    public int Repeats { get; init; } = KitOptions.Repeats.Default;
    public int? Threads { get; init; } = KitOptions.Threads.Default;
    public InferenceBackend Backend { get; init; } = KitOptions.Backend.Default;
    /// <summary>An ONNX export to time instead of the one cached next to the checkpoint (effnet bench --onnx).</summary>
    public string? Onnx { get; init; }
}

/// <summary><c>#!cuda-info --watch</c>: sample GPU/CPU load and memory every <see cref="Watch"/> seconds.</summary>
public sealed record WatchRequest
{
    /// <summary>Seconds between samples, at least <see cref="Lab.MinimumWatchSeconds"/>.</summary>
    public required double Watch { get; init; }
    /// <summary>Stop after this many samples; null: until the call is cancelled (a notebook's interrupt).</summary>
    public int? Samples { get; init; }
}
