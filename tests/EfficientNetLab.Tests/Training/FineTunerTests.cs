using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Training;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Training;

public class FineTunerTests
{
    private static readonly EvalPreset Tiny = new(28, 28, Interpolation.Bilinear, [0.286f, 0.286f, 0.286f], [0.353f, 0.353f, 0.353f]);

    private static string FashionSubset()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-ft-data").FullName;
        FashionMnist.Export(dir, "test", limit: 64);
        return Path.Combine(dir, "test");
    }

    [Fact]
    public async Task Training_learns_saves_metadata_and_resumes_where_it_stopped()
    {
        var data = FashionSubset();
        var outDir = Directory.CreateTempSubdirectory("effnet-ft").FullName;
        var options = new FineTuneOptions { TrainDir = data, OutDir = outDir, Preset = Tiny, Epochs = 3, BatchSize = 32, WarmupSteps = 2, Workers = 2 };

        // Stop after the first epoch, as an interrupt would.
        using var cts = new CancellationTokenSource();
        var stopInEpochTwo = new CallbackProgress(p => { if (p.Epoch == 2) cts.Cancel(); });
        var first = await FineTuner.RunAsync(options, stopInEpochTwo, cancellationToken: cts.Token);
        Assert.False(first.Completed);
        Assert.Equal(1, first.EpochsCompleted);
        Assert.Equal(1, JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, FineTuner.StateFile)))!["epochs_completed"]!.GetValue<int>());

        var losses = new List<double>();
        var log = new List<string>();
        var done = await FineTuner.RunAsync(options, log: log.Add);
        Assert.True(done.Completed);
        Assert.Contains(log, l => l.Contains("resuming after epoch 1"));
        Assert.Equal(2, log.Count(l => l.StartsWith("epoch ")));

        // The result describes itself: eval needs only the file.
        using var loaded = await ModelLoader.LoadAsync(null, done.CheckpointPath);
        Assert.Equal(10, loaded.Model.NumClasses);
        Assert.Equal(Tiny, loaded.Preset);
        var dataset = DatasetIndex.Open(data, loaded);
        Assert.Equal(LabelMapping.ClassNames, dataset.Mapping);
        var result = await Evaluator.RunAsync(loaded, dataset.Samples, new EvalOptions { BatchSize = 32 });
        Assert.Equal(dataset.Samples.Count, result.Metrics.Images);
    }

    [Fact]
    public async Task Channels_last_training_on_the_cpu_is_refused_before_anything_is_written()
    {
        // oneDNN's channels-last 1×1 convolutions are wrong on the CPU (ModelPlacement.CheckMemoryFormat).
        var outDir = Path.Combine(Path.GetTempPath(), $"effnet-ft-cl-{Guid.NewGuid():N}");
        var e = await Assert.ThrowsAsync<ArgumentException>(() => FineTuner.RunAsync(new FineTuneOptions
        {
            TrainDir = Repo.SampleImages, OutDir = outDir, Preset = Tiny, Epochs = 1, Device = "cpu", ChannelsLast = true,
        }));
        Assert.StartsWith("--channels-last is refused on the CPU", e.Message);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public async Task A_named_checkpoint_keeps_its_classifier_and_class_order_only_over_its_own_classes()
    {
        // The export's folders sort alphabetically; the sample's classes are in Fashion-MNIST's label order.
        var data = FashionSubset();
        async Task<(LoadedModel Model, List<string> Log)> Train(string dir)
        {
            var log = new List<string>();
            var result = await FineTuner.RunAsync(new FineTuneOptions
            {
                TrainDir = dir, OutDir = Directory.CreateTempSubdirectory("effnet-ft-head").FullName, Preset = Tiny, Epochs = 1,
                InitWeights = Repo.SampleCheckpoint, Limit = 16, BatchSize = 16, WarmupSteps = 1, LearningRate = 1e-7, Device = "cpu",
            }, log: log.Add);
            return (await ModelLoader.LoadAsync(null, result.CheckpointPath), log);
        }
        using var sample = await ModelLoader.LoadAsync(null, Repo.SampleCheckpoint);

        var (same, sameLog) = await Train(data);
        using (same)
        {
            Assert.Equal(sample.ClassNames, same.ClassNames);
            Assert.Contains(sameLog, l => l.Contains("classifier included"));
            using var drift = (same.Model.state_dict()["classifier.1.bias"] - sample.Model.state_dict()["classifier.1.bias"]).abs().max();
            Assert.True(drift.item<float>() < 1e-4, $"classifier bias moved by {drift.item<float>()}: rows were not kept in place");
        }

        // Folders that name none of its classes: a new task, the dataset's own (sorted) classes and a new classifier.
        var other = Directory.CreateTempSubdirectory("effnet-ft-other").FullName;
        var fruit = new[] { "apple", "banana", "cherry", "date", "elder", "fig", "grape", "hazel", "iris", "jacket" };
        var folders = Directory.GetDirectories(data).Order(StringComparer.Ordinal).ToArray();
        for (int i = 0; i < folders.Length; i++) Directory.Move(folders[i], Path.Combine(other, fruit[i]));
        var (fresh, freshLog) = await Train(other);
        using (fresh)
        {
            Assert.Equal(fruit, fresh.ClassNames);
            Assert.Contains(freshLog, l => l.Contains("the classifier is new"));
        }
    }

    [Fact]
    public async Task A_class_map_sets_the_checkpoints_class_order()
    {
        var data = FashionSubset();
        var result = await FineTuner.RunAsync(new FineTuneOptions
        {
            TrainDir = data, OutDir = Directory.CreateTempSubdirectory("effnet-ft-map").FullName, Preset = Tiny, Epochs = 1,
            ClassMap = Path.Combine(Path.GetDirectoryName(data)!, "classes.txt"), Limit = 16, BatchSize = 16, Device = "cpu",
        });
        using var loaded = await ModelLoader.LoadAsync(null, result.CheckpointPath);
        Assert.Equal(FashionMnist.FolderNames, loaded.ClassNames); // label order, not the folders' alphabetical order
    }

    [Fact]
    public void Learning_rate_warms_up_then_decays_to_zero()
    {
        var o = new FineTuneOptions { TrainDir = "", OutDir = "", Preset = Tiny, LearningRate = 1e-3, WarmupSteps = 10 };
        Assert.Equal(1e-4, FineTuner.LearningRate(o, 0, 100), 12);
        Assert.Equal(1e-3, FineTuner.LearningRate(o, 10, 100), 12);
        Assert.True(FineTuner.LearningRate(o, 50, 100) < 1e-3);
        Assert.Equal(0, FineTuner.LearningRate(o, 100, 100), 12);
    }

    private sealed class CallbackProgress(Action<TrainProgress> action) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => action(value);
    }
}
