using System.Security.Cryptography;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Options;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

// The folder mirrors src/EfficientNetLab/Lab; the namespace is the parent's, as there, because a namespace named
// Lab would hide the Lab class from every test namespace beside it.
namespace EfficientNetLab.Tests;

/// <summary>The shipped sample checkpoint, loaded once through the facade for the tests that only read it.</summary>
public sealed class SampleModel : IAsyncLifetime
{
    public LoadedModel Model { get; private set; } = null!;

    public async Task InitializeAsync() => Model = await Lab.LoadAsync(new LoadRequest { Weights = Repo.SampleCheckpoint, Device = "cpu" });

    public Task DisposeAsync()
    {
        Model.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// Each Lab call on the shipped Fashion-MNIST sample (checkpoint and test images), with the real model: what a
/// notebook magic and a lesson app get back, and the refusals they share with the CLI.
/// </summary>
public class LabTests(SampleModel sample) : IClassFixture<SampleModel>
{
    private static string FirstImage(string className) =>
        Directory.GetFiles(Path.Combine(Repo.SampleImages, className), "*.png").Order(StringComparer.Ordinal).First();

    [Fact]
    public async Task Load_reads_the_sidecar_and_places_the_model_as_asked()
    {
        using var model = await Lab.LoadAsync(new LoadRequest { Weights = Repo.SampleCheckpoint, Device = "cpu", Half = true });
        Assert.Equal("b0", model.Model.Variant.Name);
        Assert.Equal(10, model.ClassNames.Count);
        Assert.True(model.ClassNamesKnown);
        Assert.Equal("cpu, float16, contiguous", model.Placement.ToString());
    }

    [Fact]
    public async Task Load_refuses_a_bad_value_with_the_options_message()
    {
        var device = await Assert.ThrowsAsync<OptionValueException>(() => Lab.LoadAsync(new LoadRequest { Weights = Repo.SampleCheckpoint, Device = "gpu" }));
        Assert.Equal("--device is auto, cpu, cuda or cuda:N, got 'gpu'.", device.Message);
        var variant = await Assert.ThrowsAsync<OptionValueException>(() => Lab.LoadAsync(new LoadRequest { Model = "b99", Weights = "random" }));
        Assert.Equal("--model", variant.Option);
    }

    [Fact]
    public void The_card_hashes_the_weights_file_and_counts_parameter_bytes()
    {
        var card = Lab.Card(sample.Model, "fashion");
        using var file = File.OpenRead(Repo.SampleCheckpoint);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), card.Sha256);
        Assert.Equal("fashion", card.Name);
        Assert.Equal(sample.Model.Model.ParameterCount * sizeof(float), card.ParameterBytes);
    }

    [Fact]
    public async Task Classify_lists_folders_in_order_and_keeps_a_thumbnail_per_image()
    {
        var bag = Path.Combine(Repo.SampleImages, "Bag");
        var reported = new List<string>();
        var result = await Lab.ClassifyAsync(sample.Model, new ClassifyRequest { Image = [FirstImage("Coat"), bag], Topk = 2 }, "fashion",
            new Inline<ClassifiedImage>(i => reported.Add(i.Source)));
        var expected = new[] { FirstImage("Coat") }.Concat(Directory.GetFiles(bag, "*.png").Order(StringComparer.Ordinal)).ToArray();
        Assert.Equal(expected, result.Images.Select(i => i.Source));
        Assert.Equal(expected, reported);
        Assert.Equal("fashion", result.ModelName);
        Assert.All(result.Images, i => Assert.Equal(2, i.Top.Count));
        // The sample's 28×28 images are smaller than a thumbnail: kept as decoded.
        Assert.All(result.Images, i => Assert.Equal((28, 28), (i.Thumbnail.Width, i.Thumbnail.Height)));
        // The facade's numbers are the Predictor's.
        using var predictor = new Predictor(sample.Model);
        Assert.Equal(predictor.Classify(expected[0], 2), result.Images[0].Top);
        Assert.Equal("Coat", result.Images[0].Top[0].Label);
    }

    [Fact]
    public async Task Classify_refuses_a_missing_image_and_a_bad_topk()
    {
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() => Lab.ClassifyAsync(sample.Model, new ClassifyRequest { Image = ["/nope.png"] }));
        Assert.Contains("/nope.png", missing.Message);
        var topk = await Assert.ThrowsAsync<OptionValueException>(() =>
            Lab.ClassifyAsync(sample.Model, new ClassifyRequest { Image = [FirstImage("Bag")], Topk = 0 }));
        Assert.Equal("--topk is a whole number ≥ 1, got '0'.", topk.Message);
        Assert.Equal("give an image, a folder or a URL.",
            (await Assert.ThrowsAsync<ArgumentException>(() => Lab.ClassifyAsync(sample.Model, new ClassifyRequest()))).Message);
    }

    [Fact]
    public async Task Classify_downloads_a_url_once()
    {
        var image = FirstImage("Sandal");
        using var server = new LocalHttpServer();
        // A new name each run: a URL is downloaded once per machine session.
        var url = server.Add($"sandal-{Guid.NewGuid():N}.png", File.ReadAllBytes(image)).ToString();
        var first = await Lab.ClassifyAsync(sample.Model, new ClassifyRequest { Image = [url, url], Topk = 1 });
        Assert.Equal([url, url], first.Images.Select(i => i.Source));
        Assert.Equal("Sandal", first.Images[0].Top[0].Label);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void Preprocess_uses_the_variants_published_preset_or_the_models_own()
    {
        var image = Path.Combine(Repo.Root, "samples", "images", "chelsea.png");
        var b0 = Lab.Preprocess(new PreprocessRequest { Image = image });
        Assert.Equal(CheckpointRegistry.Default("b0").Preset, b0.Stages.Preset);
        Assert.Equal(3 * 224 * 224, b0.Stages.Normalized.Length);
        var b3 = Lab.Preprocess(new PreprocessRequest { Image = image, Model = "efficientnet_b3" });
        Assert.Equal(CheckpointRegistry.Default("b3").Preset, b3.Stages.Preset);
        Assert.Equal(sample.Model.Preset, Lab.Preprocess(image, sample.Model).Stages.Preset);
        Assert.Equal("IMAGE is required.", Assert.Throws<ArgumentException>(() => Lab.Preprocess(new PreprocessRequest())).Message);
    }

    [Fact]
    public async Task Accuracy_reports_the_runs_size_first_and_saves_a_run_that_opens_again()
    {
        var outDir = Directory.CreateTempSubdirectory("effnet-lab-accuracy").FullName;
        var progress = new List<EvalProgress>();
        var notes = new List<string>();
        var result = await Lab.AccuracyAsync(sample.Model,
            new AccuracyRequest { Data = Repo.SampleImages, Limit = 40, BatchSize = 20, Out = outDir, Overwrite = true },
            new Inline<EvalProgress>(progress.Add), notes.Add);
        Assert.True(result.Completed);
        Assert.Equal(40, result.Metrics.Images);
        Assert.Equal((0, 40), (progress[0].Done, progress[0].Total));
        Assert.Equal(40, progress[^1].Done);
        // The shipped checkpoint's 92.71% on the full test split; 40 images leave room, not this much.
        Assert.InRange(result.Summary.Top1.Value, 75, 100);
        var saved = Lab.OpenRun(outDir);
        Assert.Equal(result.Summary.Top1.Value, saved.Summary.Top1.Value);
        Assert.Equal(40, saved.Metrics.Images);
    }

    [Fact]
    public async Task Accuracy_refuses_bad_options_with_the_magics_words()
    {
        var batch = await Assert.ThrowsAsync<OptionValueException>(() =>
            Lab.AccuracyAsync(sample.Model, new AccuracyRequest { Data = Repo.SampleImages, BatchSize = 0 }));
        Assert.Equal("--batch-size is a whole number ≥ 1, got '0'.", batch.Message);
        Assert.Equal("--data is required.",
            (await Assert.ThrowsAsync<ArgumentException>(() => Lab.AccuracyAsync(sample.Model, new AccuracyRequest()))).Message);
        var both = await Assert.ThrowsAsync<ArgumentException>(() => Lab.AccuracyAsync(sample.Model,
            new AccuracyRequest { Data = Repo.SampleImages, Out = Path.GetTempPath(), Resume = true, Overwrite = true }));
        Assert.Contains("give one of them", both.Message);
    }

    [Fact]
    public async Task Benchmark_times_each_batch_size_where_the_model_is()
    {
        var lines = new List<string>();
        var report = await Lab.BenchmarkAsync(sample.Model, new BenchmarkRequest { BatchSize = [1, 2], Warmup = 0, Repeats = 1, ImageSize = 64 }, "fashion",
            new Inline<string>(lines.Add));
        Assert.Equal("fashion", report.ModelName);
        Assert.Equal([1, 2], report.Results.Select(r => r.BatchSize));
        Assert.All(report.Results, r => Assert.Equal(("cpu", 64), (r.Device, r.ImageSize)));
        Assert.Equal(2, lines.Count);
        var bad = await Assert.ThrowsAsync<OptionValueException>(() => Lab.BenchmarkAsync(sample.Model, new BenchmarkRequest { BatchSize = [1, 0] }));
        Assert.Equal("--batch-size takes positive integers separated by commas, got '1,0'.", bad.Message);
    }

    [Fact]
    public void Device_info_describes_this_machines_cpu()
    {
        var report = Lab.DeviceInfo();
        Assert.Equal(Environment.ProcessorCount, report.Cpu.LogicalCores);
        Assert.False(string.IsNullOrEmpty(report.Torch.LibTorchVersion));
    }

    [Fact]
    public async Task Watch_takes_the_samples_asked_for_or_stops_when_cancelled()
    {
        var seen = new List<int>();
        var three = await Lab.WatchAsync(new WatchRequest { Watch = 0.2, Samples = 3 }, new Inline<WatchResult>(w => seen.Add(w.Samples.Count)));
        Assert.Equal(3, three.Samples.Count);
        Assert.True(three.Stopped);
        Assert.Equal([1, 2, 3], seen);

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var unbounded = await Lab.WatchAsync(new WatchRequest { Watch = 0.2 }, cancellationToken: cancel.Token);
        Assert.True(unbounded.Stopped);
        Assert.InRange(unbounded.Samples.Count, 1, 6);

        Assert.Equal("--watch must be at least 0.2 seconds, got 0.1.",
            (await Assert.ThrowsAsync<ArgumentException>(() => Lab.WatchAsync(new WatchRequest { Watch = 0.1 }))).Message);
        Assert.Equal("--samples must be at least 1.",
            (await Assert.ThrowsAsync<ArgumentException>(() => Lab.WatchAsync(new WatchRequest { Watch = 1, Samples = 0 }))).Message);
    }

    /// <summary>Reports on the calling thread, so a test reads every report once the call has returned.</summary>
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
