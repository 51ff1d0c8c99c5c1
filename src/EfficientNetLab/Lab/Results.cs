using EfficientNetLab.Benchmarks;
using EfficientNetLab.Devices;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Weights;

namespace EfficientNetLab;

// What the Lab calls return, beside the library's own results (LoadedModel, EvalResult, DeviceReport). Each renders
// through EfficientNetLab.Reports: as a notebook shows it, as a self-contained page, as console text.

/// <summary>What <c>#!efficientnet</c> shows about the model it loaded (<see cref="Lab.Card"/>).</summary>
public sealed record ModelCard(string Name, LoadedModel Model, string? Sha256, long ParameterBytes, long ProcessMemoryBytes)
{
    /// <summary>torchvision's numbers for these weights, or for the variant's default weights when the weights are
    /// not published ones (then only a reference).</summary>
    public PublishedWeights Reference => Model.Published ?? CheckpointRegistry.Default(Model.Model.Variant.Name);
}

/// <summary>One classified image: where it came from (a path or the URL given), a thumbnail, its top classes.</summary>
public sealed record ClassifiedImage(string Source, RgbImage Thumbnail, IReadOnlyList<ClassScore> Top);

/// <summary><c>#!classify</c>: the images in the order given, and what listing their folders found odd.</summary>
public sealed record ClassifyResult(string ModelName, IReadOnlyList<ClassifiedImage> Images, IReadOnlyList<string> Warnings);

/// <summary><c>#!preprocess</c>: the stages of the eval transform for one image.</summary>
public sealed record PreprocessResult(string Path, PreprocessStages Stages);

/// <summary><c>#!benchmark</c>: one row per batch size.</summary>
public sealed record BenchmarkReport(string ModelName, IReadOnlyList<BenchResult> Results);

/// <summary><c>#!cuda-info --watch</c>: the samples so far; <see cref="Stopped"/> once the watch has ended.</summary>
public sealed record WatchResult(IReadOnlyList<ResourceSample> Samples, bool Stopped)
{
    public bool HasGpus => Samples.Count > 0 && Samples[^1].Gpus.Count > 0;
}
