using EfficientNetLab.Devices;
using EfficientNetLab.Imaging;
using EfficientNetLab.Models;
using TorchSharp;

namespace EfficientNetLab.Weights;

/// <summary>
/// A model ready to use, with what is known about its weights and where it runs. <see cref="ClassNames"/> always
/// has one name per class for display; <see cref="ClassNamesKnown"/> says whether the checkpoint named them (a
/// sidecar, safetensors metadata, a torchvision file) or they are stand-ins (<c>class 0</c>…, or ImageNet's for a
/// 1000-class plain state dict or random init), which a dataset's folders are never matched against.
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
    /// <summary>
    /// Where the model is now. Runners (Evaluator, Predictor, ModelBenchmark) read it and never change it: a
    /// notebook's model stays where its card says. To run elsewhere, call <see cref="Place"/> first.
    /// </summary>
    public ModelPlacement Placement { get; private set; } = ModelPlacement.Initial;

    /// <summary>
    /// Moves the weights to <paramref name="device"/> (auto, cpu, cuda, cuda:N) in float16 or float32, and records
    /// whether runners feed it NHWC-strided inputs (CUDA only: <see cref="ModelPlacement.CheckMemoryFormat"/>). Placing a float16 model back in float32 is refused: its weights
    /// were rounded when it was halved, so its numbers would not be the float32 model's.
    /// </summary>
    public ModelPlacement Place(string device = ComputeDevice.Auto, bool half = false, bool channelsLast = false)
    {
        if (Placement.Half && !half)
            throw new InvalidOperationException(
                $"{WeightsDescription} is float16 (placed with --half): its float32 weights were rounded then, so load it again for float32.");
        var resolved = ComputeDevice.Resolve(device);
        ModelPlacement.CheckMemoryFormat(resolved, channelsLast);
        Model.to(resolved);
        if (half) Model.half();
        Model.eval();
        Placement = new ModelPlacement(resolved.ToString(), half, channelsLast);
        return Placement;
    }

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
