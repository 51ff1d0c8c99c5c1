using EfficientNetLab.Benchmarks;
using EfficientNetLab.Devices;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Interactive.Hosting;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Interactive.Formatting;

/// <summary>What #!efficientnet shows about the model it loaded.</summary>
public sealed record ModelCard(string Name, LoadedModel Model, string? Sha256, long ParameterBytes, long ProcessMemoryBytes)
{
    /// <summary>torchvision's numbers for these weights, or for the variant's default weights when the weights are
    /// not published ones (then only a reference).</summary>
    public PublishedWeights Reference => Model.Published ?? CheckpointRegistry.Default(Model.Model.Variant.Name);
}

/// <summary>One classified image.</summary>
public sealed record GalleryItem(string Source, string? ThumbnailDataUri, IReadOnlyList<ClassScore> Top, string? Error);

public sealed record PredictionGallery(string ModelName, IReadOnlyList<GalleryItem> Items);

/// <summary>The stages of the eval transform for one image, as #!preprocess shows them.</summary>
public sealed record PreprocessView(string Path, EvalPreset Preset, RgbImage Original, RgbImage Resized, RgbImage Cropped,
    float[] Normalized, IReadOnlyList<(float Min, float Max, float Mean)> ChannelStats);

/// <summary>A running accuracy run, drawn as a progress bar and updated in place.</summary>
public sealed record EvalProgressView(string Model, EvalProgress Progress, bool Finished = false, bool Interrupted = false);

/// <summary>A weights download in progress.</summary>
public sealed record DownloadView(string What, DownloadProgress Progress);

public sealed record BenchmarkReport(string ModelName, IReadOnlyList<BenchResult> Results);

/// <summary>Live samples of #!cuda-info --watch (the library's <see cref="ResourceMonitor"/>).</summary>
public sealed record WatchView(IReadOnlyList<ResourceSample> Samples, bool Stopped)
{
    public bool HasGpus => Samples.Count > 0 && Samples[^1].Gpus.Count > 0;
}
