using EfficientNetLab.Benchmarks;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Evaluation;

/// <summary>The model owns its placement: runners read it and leave it as they found it.</summary>
public class PlacementTests
{
    private static Task<LoadedModel> Sample() => ModelLoader.LoadAsync(null, Repo.SampleCheckpoint);

    [Fact]
    public async Task A_loaded_model_starts_on_the_cpu_in_float32_and_place_records_what_it_did()
    {
        using var loaded = await Sample();
        Assert.Equal(("cpu", false, false), (loaded.Placement.Device, loaded.Placement.Half, loaded.Placement.ChannelsLast));
        var placed = loaded.Place("cpu", half: true);
        Assert.Same(placed, loaded.Placement);
        Assert.Equal("cpu, float16, contiguous", placed.ToString());
        Assert.All(loaded.Model.parameters(), p => Assert.Equal(ScalarType.Float16, p.dtype));
    }

    [Fact]
    public async Task A_halved_model_is_not_silently_put_back_in_float32()
    {
        using var loaded = await Sample();
        loaded.Place("cpu", half: true);
        var e = Assert.Throws<InvalidOperationException>(() => loaded.Place("cpu"));
        Assert.Contains("load it again", e.Message);
        Assert.True(loaded.Placement.Half);
    }

    [Fact]
    public async Task Channels_last_on_the_cpu_is_refused_and_the_model_stays_where_it_was()
    {
        using var loaded = await Sample();
        var before = loaded.Placement;
        var e = Assert.Throws<ArgumentException>(() => loaded.Place("cpu", channelsLast: true));
        Assert.StartsWith("--channels-last is refused on the CPU", e.Message);
        Assert.Contains("docs/upstream-onednn-avx512.md", e.Message);
        Assert.Same(before, loaded.Placement);
    }

    [Fact]
    public async Task An_accuracy_run_uses_the_models_placement_reports_it_and_leaves_it()
    {
        using var loaded = await Sample();
        loaded.Place("cpu", half: true);
        var placement = loaded.Placement;
        var data = DatasetIndex.Open(Repo.SampleImages, loaded);
        var result = await Evaluator.RunAsync(loaded, data, new EvalOptions { BatchSize = 8, Limit = 8 });
        Assert.Same(placement, loaded.Placement);
        Assert.Equal(placement, result.Summary.Throughput.Placement);
        var json = result.Summary.ToJson();
        Assert.Equal(("contiguous", "float16", "cpu"), ((string)json["memory_format"]!, (string)json["dtype"]!, (string)json["device"]!));
        Assert.All(loaded.Model.parameters(), p => Assert.Equal(ScalarType.Float16, p.dtype));
    }

    [Fact]
    public async Task Onnx_runtime_refuses_a_model_placed_for_libtorch_only()
    {
        using var loaded = await Sample();
        loaded.Place("cpu", half: true);
        var e = Assert.Throws<ArgumentException>(() => new Predictor(loaded, backend: InferenceBackend.OnnxRuntime));
        Assert.Contains("cpu, float16, contiguous", e.Message);
    }

    [Fact]
    public async Task Benchmark_threads_are_the_callers_again_afterwards_even_after_a_failure()
    {
        using var loaded = await Sample();
        int callers = torch.get_num_threads();
        var results = ModelBenchmark.Run(loaded, [1], backend: InferenceBackend.LibTorch, warmup: 0, repeats: 1, threads: callers + 1);
        Assert.Equal(callers + 1, results[0].Threads);
        Assert.Equal(callers, torch.get_num_threads());
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => ModelBenchmark.Run(loaded, [1], backend: InferenceBackend.LibTorch, threads: callers + 1, cancellationToken: cancelled.Token));
        Assert.Equal(callers, torch.get_num_threads());
    }
}
