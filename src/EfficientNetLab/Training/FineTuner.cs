using System.Text.Json;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Devices;
using EfficientNetLab.Imaging;
using EfficientNetLab.Models;
using EfficientNetLab.Weights;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace EfficientNetLab.Training;

/// <summary>What to train, on what, for how long. Defaults suit small course datasets such as Fashion-MNIST.</summary>
public sealed record FineTuneOptions
{
    public required string TrainDir { get; init; }
    /// <summary>timm's class map file: the class order of the checkpoint (see <see cref="LabelMapping.ClassMap"/>); null: the dataset's own mapping.</summary>
    public string? ClassMap { get; init; }
    public required string OutDir { get; init; }
    public required EvalPreset Preset { get; init; }
    public string Variant { get; init; } = "b0";
    /// <summary>Starting weights: a checkpoint file or published tag (the classifier is replaced), or null for torchvision's random init.</summary>
    public string? InitWeights { get; init; }
    public int Epochs { get; init; } = 5;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 2e-3;
    public double WeightDecay { get; init; } = 0.05;
    public double LabelSmoothing { get; init; } = 0.1;
    public int WarmupSteps { get; init; } = 100;
    public bool HorizontalFlip { get; init; } = true;
    /// <summary>Overrides the variant's stochastic depth (timm's --drop-path); null keeps torchvision's value.</summary>
    public double? DropPath { get; init; }
    /// <summary>Overrides the classifier's dropout (timm's --drop); null keeps torchvision's value.</summary>
    public double? Dropout { get; init; }
    /// <summary>Feed the model channels-last input, which every conv then keeps (CUDA only: <see cref="ModelPlacement.CheckMemoryFormat"/>).</summary>
    public bool ChannelsLast { get; init; }
    public int Seed { get; init; }
    public int Workers { get; init; }
    public string Device { get; init; } = ComputeDevice.Auto;
    /// <summary>Train on the first N images of each epoch's shuffled order (quick course runs, tests).</summary>
    public int? Limit { get; init; }
}

public sealed record TrainProgress(int Epoch, int Epochs, long Done, long Total, double Loss, double Accuracy, double ImagesPerSecond);

/// <summary>Where a training run ended up.</summary>
public sealed record FineTuneResult(string CheckpointPath, int EpochsCompleted, double LastLoss, double LastTrainAccuracy, bool Completed);

/// <summary>
/// A small, reproducible training loop (AdamW, warm-up then cosine decay, label smoothing, random flips):
/// enough to produce real checkpoints offline and for course work. After every epoch the model, optimizer and
/// progress are saved to <c>OutDir</c>, and a rerun with the same options continues from there.
/// </summary>
public static class FineTuner
{
    public const string StateFile = "train_state.json";

    public static async Task<FineTuneResult> RunAsync(FineTuneOptions o, IProgress<TrainProgress>? progress = null,
        Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var device = ComputeDevice.Resolve(o.Device);
        ModelPlacement.CheckMemoryFormat(device, o.ChannelsLast);
        Directory.CreateDirectory(o.OutDir);
        torch.manual_seed(o.Seed);
        DatasetIndex dataset;
        EfficientNet initial;
        using (var start = o.InitWeights is null ? null : await ModelLoader.LoadAsync(o.Variant, o.InitWeights, cancellationToken: cancellationToken))
        {
            (dataset, var keepClassifier) = TrainingSet(o, start);
            initial = InitialModel(o, dataset.Classes.Count, start, keepClassifier, log);
        }
        var classes = dataset.Classes;
        using var model = initial;
        model.to(device);
        var optimizer = optim.AdamW(model.parameters(), o.LearningRate, weight_decay: o.WeightDecay);

        int firstEpoch = 0;
        var statePath = Path.Combine(o.OutDir, StateFile);
        if (File.Exists(statePath))
        {
            var state = JsonNode.Parse(File.ReadAllText(statePath))!;
            firstEpoch = state["epochs_completed"]!.GetValue<int>();
            model.load_py(Path.Combine(o.OutDir, "last.pth"));
            optimizer.load_py(Path.Combine(o.OutDir, "last-optimizer.pth"));
            log?.Invoke($"resuming after epoch {firstEpoch} of {o.Epochs}");
        }

        int perEpoch = Math.Min(dataset.Samples.Count, o.Limit ?? int.MaxValue);
        long stepsPerEpoch = (perEpoch + o.BatchSize - 1) / o.BatchSize;
        long totalSteps = stepsPerEpoch * o.Epochs;
        var preprocessor = new Preprocessor(o.Preset);
        double loss = double.NaN, accuracy = double.NaN;
        int epoch = firstEpoch;
        try
        {
            for (; epoch < o.Epochs; epoch++)
            {
                // The order of an epoch depends only on the seed and the epoch, so a resumed run sees the same data.
                // (Not HashCode.Combine: .NET seeds it randomly per process, which broke that across resumes.)
                var rng = new Random(unchecked(o.Seed * 1_000_003 + epoch));
                var order = dataset.Samples.OrderBy(_ => rng.Next()).Take(perEpoch).ToArray();
                var loader = new BatchLoader(order, preprocessor, o.BatchSize, o.Workers);
                model.train();
                long step = epoch * stepsPerEpoch, seen = 0, correct = 0;
                double lossSum = 0;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await foreach (var batch in loader.ReadAsync(0, cancellationToken))
                {
                    using var _ = batch;
                    if (batch.Count == 0) continue;
                    using var scope = NewDisposeScope();
                    foreach (var group in optimizer.ParamGroups) group.LearningRate = LearningRate(o, step++, totalSteps);
                    var (x, y) = ToTensors(batch, o.Preset.CropSize, device, o.HorizontalFlip, o.ChannelsLast, rng);
                    optimizer.zero_grad();
                    var logits = model.forward(x);
                    var batchLoss = nn.functional.cross_entropy(logits, y, label_smoothing: o.LabelSmoothing);
                    batchLoss.backward();
                    optimizer.step();
                    lossSum += batchLoss.item<float>() * batch.Count;
                    correct += logits.argmax(1).eq(y).sum().item<long>();
                    seen += batch.Count;
                    progress?.Report(new TrainProgress(epoch + 1, o.Epochs, seen, perEpoch, lossSum / seen, (double)correct / seen, seen / clock.Elapsed.TotalSeconds));
                    // Batches already decoded ahead would otherwise finish the epoch after an interrupt.
                    cancellationToken.ThrowIfCancellationRequested();
                }
                loss = lossSum / Math.Max(1, seen);
                accuracy = (double)correct / Math.Max(1, seen);
                SaveEpoch(o, model, optimizer, epoch + 1, loss, accuracy);
                log?.Invoke($"epoch {epoch + 1}/{o.Epochs}: loss {loss:F4}, train accuracy {accuracy:P2}, {seen / clock.Elapsed.TotalSeconds:F0} img/s");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            log?.Invoke($"cancelled in epoch {epoch + 1}; {epoch} complete epoch(s) saved in {o.OutDir}, rerun to continue");
            return new FineTuneResult(Path.Combine(o.OutDir, "last.pth"), epoch, loss, accuracy, Completed: false);
        }

        model.eval();
        var final = Path.Combine(o.OutDir, "model.pth");
        model.cpu().save_py(final);
        new CheckpointMetadata(EfficientNetVariants.Get(o.Variant).Name, classes.Count, classes, o.Preset).WriteSidecar(final);
        return new FineTuneResult(final, o.Epochs, loss, accuracy, Completed: true);
    }

    /// <summary>
    /// The preset to train with when the options give none, as timm's train.py takes the pretrained config: the
    /// starting weights' preset, or <see cref="EvalPreset.ImageNet"/> from random init.
    /// </summary>
    public static async Task<EvalPreset> DefaultPresetAsync(string variant, string? initWeights, CancellationToken cancellationToken = default)
    {
        if (initWeights is null) return EvalPreset.ImageNet;
        using var start = await ModelLoader.LoadAsync(variant, initWeights, cancellationToken: cancellationToken);
        return start.Preset;
    }

    /// <summary>
    /// The training labels, and whether the starting classifier already means them. A starting checkpoint that names
    /// its classes keeps its classifier when the folders map onto those classes as eval would map them (by name, by
    /// number, or by a class map of as many classes), so a run continued or a sample fine-tuned on a fresh export keeps
    /// its class order; a checkpoint without names keeps it when the class counts agree. Otherwise the classes are
    /// the dataset's own and the classifier starts from torchvision's init.
    /// </summary>
    private static (DatasetIndex Dataset, bool KeepClassifier) TrainingSet(FineTuneOptions o, LoadedModel? start)
    {
        if (start is { ClassNamesKnown: true })
        {
            try
            {
                var mapped = DatasetIndex.Open(o.TrainDir, start, o.ClassMap);
                if (mapped.Mapping is LabelMapping.ClassNames or LabelMapping.NumberedFolders ||
                    (mapped.Mapping == LabelMapping.ClassMap && mapped.Classes.Count == start.Model.NumClasses))
                    return (mapped, true);
            }
            catch (ClassMappingException)
            {
                // Other classes than the checkpoint's: a new task, and a new classifier.
            }
        }
        var own = DatasetIndex.Open(o.TrainDir, classMap: o.ClassMap);
        return (own, start is { ClassNamesKnown: false } && start.Model.NumClasses == own.Classes.Count);
    }

    private static EfficientNet InitialModel(FineTuneOptions o, int numClasses, LoadedModel? start, bool keepClassifier, Action<string>? log)
    {
        // Regularizers only act in training, so a checkpoint trained with other values loads into the standard variant.
        var variant = EfficientNetVariants.Get(o.Variant);
        variant = variant with
        {
            StochasticDepthProb = o.DropPath ?? variant.StochasticDepthProb,
            Dropout = o.Dropout ?? variant.Dropout,
        };
        var model = new EfficientNet(variant, numClasses);
        if (start is null) return model;
        using var _ = no_grad();
        var target = model.state_dict();
        int copied = 0;
        foreach (var (key, value) in start.Model.state_dict())
        {
            if (!keepClassifier && key.StartsWith("classifier.", StringComparison.Ordinal)) continue;
            target[key].copy_(value);
            copied++;
        }
        log?.Invoke($"initialised {copied} tensors from {start.WeightsDescription}" +
                    (keepClassifier ? ", classifier included" : "; the classifier is new"));
        return model;
    }

    private static (Tensor X, Tensor Y) ToTensors(Batch batch, int crop, Device device, bool flip, bool channelsLast, Random rng)
    {
        var x = batch.ToTensor(crop);
        var y = tensor(batch.Items.Select(i => (long)i.Sample.Label).ToArray());
        if (flip)
        {
            var mask = tensor(Enumerable.Range(0, batch.Count).Select(_ => rng.Next(2) == 1).ToArray()).view(-1, 1, 1, 1);
            x = where(mask, x.flip(3), x);
        }
        if (channelsLast) x = x.ToChannelsLast();
        return (x.to(device), y.to(device));
    }

    /// <summary>Linear warm-up, then cosine decay to zero.</summary>
    internal static double LearningRate(FineTuneOptions o, long step, long totalSteps)
    {
        if (step < o.WarmupSteps) return o.LearningRate * (step + 1) / o.WarmupSteps;
        double t = (double)(step - o.WarmupSteps) / Math.Max(1, totalSteps - o.WarmupSteps);
        return o.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, t)));
    }

    private static void SaveEpoch(FineTuneOptions o, EfficientNet model, TorchSharp.Modules.OptimizerHelper optimizer, int epochsCompleted, double loss, double accuracy)
    {
        // Write to temporary names and rename, so a crash mid-save leaves the previous epoch intact.
        string Tmp(string name) => Path.Combine(o.OutDir, name + ".tmp");
        model.save_py(Tmp("last.pth"));
        optimizer.save_py(Tmp("last-optimizer.pth"));
        File.WriteAllText(Tmp(StateFile), new JsonObject
        {
            ["epochs_completed"] = epochsCompleted, ["epochs"] = o.Epochs, ["variant"] = o.Variant, ["seed"] = o.Seed,
            ["loss"] = loss, ["train_accuracy"] = accuracy,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        foreach (var name in new[] { "last.pth", "last-optimizer.pth", StateFile })
            File.Move(Tmp(name), Path.Combine(o.OutDir, name), overwrite: true);
    }
}
