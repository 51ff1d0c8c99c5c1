using EfficientNetLab.Imaging;
using EfficientNetLab.Models;

namespace EfficientNetLab.Weights;

/// <summary>
/// A model ready to use, with what is known about its weights. <see cref="ClassNames"/> always has one name per
/// class for display; <see cref="ClassNamesKnown"/> says whether the checkpoint named them (a sidecar, safetensors
/// metadata, a torchvision file) or they are stand-ins (<c>class 0</c>…, or ImageNet's for a 1000-class plain state
/// dict or random init), which a dataset's folders are never matched against.
/// </summary>
public sealed record LoadedModel(
    EfficientNet Model,
    string WeightsDescription,
    string? WeightsPath,
    IReadOnlyList<string> ClassNames,
    bool ClassNamesKnown,
    EvalPreset Preset,
    PublishedWeights? Published) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// One entry point for "give me a model": <c>--weights</c> may be a file, a published tag (<c>imagenet1k_v1</c>,
/// <c>default</c>, torchvision's enum name) fetched into the torch-hub cache, or <c>random</c>.
/// The CLI and the notebook magics both call this.
/// </summary>
public static class ModelLoader
{
    public static async Task<LoadedModel> LoadAsync(string? variant, string weights, string? baseUrl = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (weights.Equals("random", StringComparison.OrdinalIgnoreCase))
        {
            var v = EfficientNetVariants.Get(variant ?? throw new ArgumentException("--weights random needs --model."));
            var model = new EfficientNet(v);
            model.eval();
            return new LoadedModel(model, "random init (torchvision's initialisation)", null, ImageNetClasses.Names, ClassNamesKnown: false,
                CheckpointRegistry.Default(v.Name).Preset, null);
        }

        string path;
        if (!File.Exists(weights) && CheckpointRegistry.IsTag(weights))
        {
            var published = CheckpointRegistry.Get(variant ?? throw new ArgumentException(
                $"--weights {weights} names published weights: pass --model too (b0…b7, v2_s, v2_m, v2_l)."), weights);
            path = await new WeightsDownloader().EnsureAsync(published, baseUrl, progress, cancellationToken);
        }
        else
        {
            path = weights;
        }

        using var sd = Checkpoint.Read(path);
        var loaded = Checkpoint.Build(sd, variant);
        var meta = sd.Metadata;
        if (meta.ClassNames is { } named && named.Count != loaded.NumClasses)
            throw new CheckpointException(path, $"its metadata names {named.Count} classes but its classifier has {loaded.NumClasses}.");
        var classes = meta.ClassNames ?? (loaded.NumClasses == 1000
            ? ImageNetClasses.Names
            : Enumerable.Range(0, loaded.NumClasses).Select(i => $"class {i}").ToArray());
        var preset = meta.Preset ?? CheckpointRegistry.Default(loaded.Variant.Name).Preset;
        var description = meta.Published is { } p ? $"{p.TorchvisionName} ({p.FileName})" : Path.GetFileName(path);
        return new LoadedModel(loaded, description, Path.GetFullPath(path), classes, ClassNamesKnown: meta.ClassNames is not null,
            preset, meta.Published);
    }
}
