using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Evaluation;

/// <summary>
/// --backend auto: a forced backend or a placement ONNX Runtime cannot run never probes; a probe is measured once per
/// key and read back after; a broken cache file costs a warning and a new probe, never the run. Probes here are real
/// (the sample B0 at its 56² crop, a fraction of a second each) and go to a cache file of the test's own.
/// </summary>
public sealed class BackendChoiceTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("effnet-backend-choice").FullName;
    private string CachePath => Path.Combine(dir, "effnet", "backend-probe.json");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static Task<LoadedModel> Sample() => ModelLoader.LoadAsync(null, Repo.SampleCheckpoint);

    private JsonObject Entries() => (JsonObject)JsonNode.Parse(File.ReadAllText(CachePath))!["entries"]!;

    [Theory]
    [InlineData(InferenceBackend.LibTorch)]
    [InlineData(InferenceBackend.OnnxRuntime)]
    public async Task A_forced_backend_is_taken_without_a_probe(InferenceBackend forced)
    {
        using var loaded = await Sample();
        var choice = BackendChoice.Resolve(loaded, forced, 4, loaded.Preset.CropSize, CachePath);
        Assert.Equal((forced, $"forced by --backend {forced.Name()}", (BackendProbe?)null), (choice.Backend, choice.Reason, choice.Probe));
        Assert.False(File.Exists(CachePath));
    }

    [Theory]
    [InlineData(true, "cpu, float16, contiguous")]
    public async Task A_placement_onnx_runtime_cannot_run_is_libtorch_without_a_probe(bool half, string placement)
    {
        // float16 is the CPU's one such placement (channels-last is refused there: ModelPlacement.CheckMemoryFormat).
        using var loaded = await Sample();
        loaded.Place("cpu", half);
        var log = new List<string>();
        var choice = BackendChoice.Resolve(loaded, InferenceBackend.Auto, 4, loaded.Preset.CropSize, CachePath, log.Add);
        Assert.Equal(InferenceBackend.LibTorch, choice.Backend);
        Assert.Null(choice.Probe);
        Assert.Equal($"auto, no probe: ONNX Runtime runs float32 on the CPU, but the model is placed on {placement}", choice.Reason);
        Assert.Equal([$"backend: libtorch ({choice.Reason})"], log);
        Assert.False(File.Exists(CachePath));
    }

    [Fact]
    public async Task A_shard_is_libtorch_without_a_probe_so_that_shards_on_other_machines_agree()
    {
        using var loaded = await Sample();
        var choice = BackendChoice.Resolve(loaded, InferenceBackend.Auto, 4, loaded.Preset.CropSize, CachePath, shard: true);
        Assert.Equal((InferenceBackend.LibTorch, (BackendProbe?)null), (choice.Backend, choice.Probe));
        Assert.StartsWith("auto, no probe: every shard of a run must use the same backend", choice.Reason);
        Assert.False(File.Exists(CachePath));
        Assert.Equal(InferenceBackend.OnnxRuntime, BackendChoice.Resolve(loaded, InferenceBackend.OnnxRuntime, 4, loaded.Preset.CropSize, CachePath, shard: true).Backend);
    }

    [Fact]
    public async Task An_input_size_other_than_the_exports_is_libtorch_without_a_probe()
    {
        using var loaded = await Sample();
        var choice = BackendChoice.Resolve(loaded, InferenceBackend.Auto, 4, loaded.Preset.CropSize + 8, CachePath);
        Assert.Equal(InferenceBackend.LibTorch, choice.Backend);
        Assert.Contains($"crop size {loaded.Preset.CropSize}, not {loaded.Preset.CropSize + 8}", choice.Reason);
        Assert.False(File.Exists(CachePath));
    }

    [Fact]
    public async Task A_probe_is_cached_per_key_and_read_back_instead_of_measured()
    {
        using var loaded = await Sample();
        int crop = loaded.Preset.CropSize;
        var first = BackendChoice.Resolve(loaded, InferenceBackend.Auto, 2, crop, CachePath);
        Assert.False(first.Probe!.Cached);
        Assert.True(first.Probe.LibTorchImagesPerSecond > 0 && first.Probe.OnnxRuntimeImagesPerSecond > 0);
        var key = Assert.Single(Entries()).Key;
        Assert.Contains("|batch=2|", key);
        Assert.Contains($"|size={crop}|", key);

        // Numbers no probe would measure: the answer can only have come from the file.
        var entries = Entries();
        entries[key]!["libtorch_images_per_s"] = 1000.0;
        entries[key]!["onnxruntime_images_per_s"] = 1.0;
        File.WriteAllText(CachePath, new JsonObject { ["entries"] = entries.DeepClone() }.ToJsonString());
        var cached = BackendChoice.Resolve(loaded, InferenceBackend.Auto, 2, crop, CachePath);
        Assert.Equal(new BackendProbe(1000, 1, 2, crop, first.Probe.Threads, Cached: true), cached.Probe);
        Assert.Equal(InferenceBackend.LibTorch, cached.Backend);
        Assert.Contains("probe cached in " + CachePath, cached.Reason);

        entries[key]!["libtorch_images_per_s"] = 1.0;
        entries[key]!["onnxruntime_images_per_s"] = 1000.0;
        File.WriteAllText(CachePath, new JsonObject { ["entries"] = entries.DeepClone() }.ToJsonString());
        Assert.Equal(InferenceBackend.OnnxRuntime, BackendChoice.Resolve(loaded, InferenceBackend.Auto, 2, crop, CachePath).Backend);

        // Another batch size is another key: measured anew, and both are kept.
        var other = BackendChoice.Resolve(loaded, InferenceBackend.Auto, 3, crop, CachePath);
        Assert.False(other.Probe!.Cached);
        Assert.Equal(2, Entries().Count);
        Assert.Contains(Entries(), e => e.Key.Contains("|batch=3|"));
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[1, 2, 3]")]
    public async Task A_broken_cache_file_is_reported_and_replaced(string content)
    {
        using var loaded = await Sample();
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        File.WriteAllText(CachePath, content);
        var log = new List<string>();
        var choice = BackendChoice.Resolve(loaded, InferenceBackend.Auto, 2, loaded.Preset.CropSize, CachePath, log.Add);
        Assert.False(choice.Probe!.Cached);
        Assert.StartsWith($"warning: ignoring the backend probe cache {CachePath}: ", log[0]);
        Assert.Single(Entries());
    }

    [Fact]
    public async Task A_probe_onnx_runtime_cannot_run_is_libtorch_and_not_cached()
    {
        var checkpoint = Path.Combine(dir, "sample.pth");
        File.Copy(Repo.SampleCheckpoint, checkpoint);
        File.Copy(Path.ChangeExtension(Repo.SampleCheckpoint, ".json"), Path.ChangeExtension(checkpoint, ".json"));
        // A folder where the export would be cached: the export fails.
        Directory.CreateDirectory(EfficientNetLab.Export.OnnxExportCache.PathFor(checkpoint));
        using var loaded = await ModelLoader.LoadAsync(null, checkpoint);
        var choice = BackendChoice.Resolve(loaded, InferenceBackend.Auto, 2, loaded.Preset.CropSize, CachePath);
        Assert.Equal(InferenceBackend.LibTorch, choice.Backend);
        Assert.StartsWith("auto, probe failed: ONNX Runtime: ", choice.Reason);
        Assert.False(File.Exists(CachePath));
    }

    [Fact]
    public async Task The_summary_records_the_backend_and_why()
    {
        using (var halved = await Sample())
        {
            halved.Place("cpu", half: true);
            var result = await Evaluator.RunAsync(halved, DatasetIndex.Open(Repo.SampleImages, halved), new EvalOptions { Limit = 4, BatchSize = 4 });
            var json = result.Summary.ToJson();
            Assert.Equal("libtorch", (string)json["backend"]!);
            Assert.StartsWith("auto, no probe: ONNX Runtime runs float32 on the CPU", (string)json["backend_reason"]!);
        }

        using var loaded = await Sample();
        var dataset = DatasetIndex.Open(Repo.SampleImages, loaded);
        var outDir = Path.Combine(dir, "run");
        await Evaluator.RunAsync(loaded, dataset, new EvalOptions { Limit = 4, BatchSize = 4, Backend = InferenceBackend.OnnxRuntime, OutDir = outDir });
        var saved = RunFolder.Load(outDir).Summary.Throughput;
        Assert.Equal(("onnxruntime", "forced by --backend onnxruntime"), (saved.BackendName, saved.BackendReason));
    }
}
