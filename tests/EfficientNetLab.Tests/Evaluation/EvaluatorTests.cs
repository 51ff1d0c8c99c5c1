using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Evaluation;

public class EvaluatorTests
{
    /// <summary>An ImageFolder of real photos (the image fixtures), one class folder per photo, plus broken files.</summary>
    private static (string Root, int Good, string[] Bad) SaltedFolder()
    {
        var root = Directory.CreateTempSubdirectory("effnet-eval").FullName;
        int good = 0;
        // .gif is not among torchvision's ImageFolder extensions, so the fixture GIFs are left out as there.
        foreach (var file in ImageFixtures.Files.Where(ImageFolder.IsImageFile))
        {
            var cls = Path.GetFileName(file).Split('_')[0];
            Directory.CreateDirectory(Path.Combine(root, cls));
            File.Copy(file, Path.Combine(root, cls, Path.GetFileName(file)));
            good++;
        }
        var bad = new[]
        {
            Path.Combine(root, "coffee", "empty.jpg"),
            Path.Combine(root, "rocket", "text.png"),
            Path.Combine(root, "astronaut", "truncated.jpg"),
        };
        File.WriteAllBytes(bad[0], []);
        File.WriteAllText(bad[1], "not an image");
        var jpeg = File.ReadAllBytes(Path.Combine(root, "astronaut", "astronaut_baseline.jpg"));
        File.WriteAllBytes(bad[2], jpeg[..(jpeg.Length / 3)]);
        return (root, good, bad);
    }

    private static Task<LoadedModel> FixtureModel() =>
        ModelLoader.LoadAsync("b0", Path.Combine(ParityFixtures.Variant("b0"), "state_dict.pth"));

    [Fact]
    public async Task Salted_folder_is_evaluated_to_the_end_with_every_bad_file_reported()
    {
        var (root, good, bad) = SaltedFolder();
        using var loaded = await FixtureModel();
        var dataset = DatasetIndex.Open(root, loaded);
        var result = await Evaluator.RunAsync(loaded, dataset.Samples, new EvalOptions { BatchSize = 8, Workers = 2 });
        Assert.True(result.Completed);
        Assert.Equal(good, result.Metrics.Images);
        Assert.Equal(bad.Order(), result.Skipped.Select(s => s.Path).Order());
        Assert.All(result.Skipped, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
    }

    [Fact]
    public async Task Predictions_do_not_depend_on_the_number_of_decode_workers()
    {
        var (root, _, _) = SaltedFolder();
        using var loaded = await FixtureModel();
        var dataset = DatasetIndex.Open(root, loaded);
        foreach (var workers in new[] { 1, 3 })
            await Evaluator.RunAsync(loaded, dataset, new EvalOptions { BatchSize = 4, Workers = workers, OutDir = $"{root}-w{workers}" });
        foreach (var file in new[] { "predictions.csv", "skipped.csv" })
            Assert.Equal(File.ReadAllText(Path.Combine($"{root}-w1", file)), File.ReadAllText(Path.Combine($"{root}-w3", file)));
    }

    [Fact]
    public async Task Strict_mode_stops_naming_the_file()
    {
        var (root, _, bad) = SaltedFolder();
        using var loaded = await FixtureModel();
        var dataset = DatasetIndex.Open(root, loaded);
        var e = await Assert.ThrowsAsync<ImageDecodeException>(() =>
            Evaluator.RunAsync(loaded, dataset.Samples, new EvalOptions { BatchSize = 8, Strict = true }));
        Assert.Contains(e.Path, bad);
    }

    [Fact]
    public async Task Predictions_equal_torchvisions_top5_image_by_image()
    {
        var root = Directory.CreateTempSubdirectory("effnet-eval-tv").FullName;
        foreach (var file in ImageFixtures.Files.Where(f => f.EndsWith(".jpg") || f.EndsWith("rgb.png")))
        {
            var cls = Path.Combine(root, Path.GetFileName(file).Split('_')[0]);
            Directory.CreateDirectory(cls);
            File.Copy(file, Path.Combine(cls, Path.GetFileName(file)));
        }
        var fixture = ParityFixtures.Variant("b0");
        var outDir = Path.Combine(root, "..", Path.GetFileName(root) + "-out");
        using (var loaded = await FixtureModel())
        {
            var dataset = DatasetIndex.Open(root, loaded);
            await Evaluator.RunAsync(loaded, dataset.Samples, new EvalOptions { BatchSize = 4, OutDir = outDir });
        }
        // torchvision's own pipeline on the same folder: ImageFolder + the B0 preset + the same checkpoint.
        var reference = Repo.PythonCode("""
            import sys, torch, torchvision
            from torchvision.transforms import InterpolationMode
            from torchvision.transforms._presets import ImageClassification
            m = torchvision.models.efficientnet_b0(); m.load_state_dict(torch.load(sys.argv[2])); m.eval()
            ds = torchvision.datasets.ImageFolder(sys.argv[1], ImageClassification(crop_size=224, resize_size=256, interpolation=InterpolationMode.BICUBIC))
            with torch.no_grad():
                for i, (x, y) in enumerate(ds):
                    top = m(x.unsqueeze(0)).softmax(1).topk(5)
                    print(ds.samples[i][0], " ".join(str(int(v)) for v in top.indices[0]))
            """, root, Path.Combine(fixture, "state_dict.pth"));
        var expected = reference.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p[1]);
        var (ours, _) = PredictionLog.Read(outDir);
        Assert.Equal(expected.Count, ours.Count);
        foreach (var p in ours) Assert.Equal(expected[p.Path], string.Join(' ', p.TopIndices));
    }

    [Fact]
    public async Task Interrupted_run_resumes_to_the_numbers_of_an_uninterrupted_one()
    {
        var (root, _, _) = SaltedFolder();
        using var loaded = await FixtureModel();
        var dataset = DatasetIndex.Open(root, loaded);
        var full = await Evaluator.RunAsync(loaded, dataset, new EvalOptions { BatchSize = 4, OutDir = root + "-full" });

        var outDir = root + "-resumed";
        using var cts = new CancellationTokenSource();
        var cancelAfterTwo = new CallbackProgress(p => { if (p.Done >= 8) cts.Cancel(); });
        var partial = await Evaluator.RunAsync(loaded, dataset, new EvalOptions { BatchSize = 4, OutDir = outDir },
            progress: cancelAfterTwo, cancellationToken: cts.Token);
        Assert.False(partial.Completed);
        Assert.InRange(partial.Metrics.Images + partial.Skipped.Count, 8, dataset.Samples.Count - 1);
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;
        Assert.False((bool)written["completed"]!);
        // The interrupted run reads back as the partial result it was, "completed": false and all.
        var saved = RunFolder.Load(outDir);
        Assert.False(saved.Completed);
        Assert.Equal(File.ReadAllText(Path.Combine(outDir, "summary.json")), saved.Summary.ToJson().ToJsonString(EvalSummary.FileFormat));

        var resumed = await Evaluator.RunAsync(loaded, dataset, new EvalOptions { BatchSize = 4, OutDir = outDir, Resume = true });
        Assert.True(resumed.Completed);
        foreach (var key in new[] { "top1", "top5", "top1_ci95", "top5_ci95", "images", "skipped", "ece", "reliability", "worst_classes", "most_confused", "skipped_files", "preset", "class_mapping", "dataset_classes" })
            Assert.Equal(full.Summary.ToJson()[key]!.ToJsonString(), resumed.Summary.ToJson()[key]!.ToJsonString());
        Assert.Equal(File.ReadAllText(Path.Combine(root + "-full", "per_class.csv")), File.ReadAllText(Path.Combine(outDir, "per_class.csv")));
        Assert.Equal(File.ReadAllLines(Path.Combine(root + "-full", "predictions.csv")).Length, File.ReadAllLines(Path.Combine(outDir, "predictions.csv")).Length);
    }

    [Fact]
    public void Out_of_memory_halves_the_batch_and_keeps_the_result()
    {
        var messages = new List<string>();
        Func<Tensor, Tensor> forward = x => x.shape[0] > 4
            ? throw new ExternalException("CUDA out of memory. Tried to allocate 2.00 GiB")
            : x.sum(1, keepdim: true);
        var chunked = new Evaluator.ChunkedForward(forward, messages.Add);
        using var x = arange(0, 40, dtype: ScalarType.Float32).reshape(10, 4);
        using var y = chunked.Run(x);
        Assert.Equal(x.sum(1, keepdim: true).data<float>().ToArray(), y.data<float>().ToArray());
        Assert.Equal(2, chunked.MaxChunk); // 10 → 5 (still too big) → 2
        Assert.Contains(messages, m => m.Contains("out of memory"));
    }

    [Fact]
    public void Wilson_interval_contains_the_estimate_and_narrows_with_more_data()
    {
        var small = new Proportion(77, 100).Wilson95;
        var large = new Proportion(7700, 10000).Wilson95;
        Assert.InRange(0.77, small.Low, small.High);
        Assert.True(large.High - large.Low < small.High - small.Low);
        Assert.Equal(0, new Proportion(0, 10).Wilson95.Low, 12);
        Assert.Equal(1, new Proportion(10, 10).Wilson95.High, 12);
    }

    private sealed class CallbackProgress(Action<EvalProgress> action) : IProgress<EvalProgress>
    {
        public void Report(EvalProgress value) => action(value);
    }

    private sealed class ExternalException(string message) : Exception(message);
}
