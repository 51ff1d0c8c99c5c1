using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Evaluation;

/// <summary>A run folder is never lost by mistake: options are checked before anything is written, and an existing
/// run is replaced only on request.</summary>
public class RunFolderTests
{
    /// <summary>Every file under <paramref name="dir"/> with its sha256, so that "unchanged" means byte for byte.</summary>
    internal static IReadOnlyDictionary<string, string> Hashes(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));

    private static async Task<(LoadedModel Loaded, DatasetIndex Data, string Out)> FinishedRun(int limit = 12)
    {
        var loaded = await ModelLoader.LoadAsync(null, Repo.SampleCheckpoint);
        var data = DatasetIndex.Open(Repo.SampleImages, loaded);
        var outDir = Path.Combine(Directory.CreateTempSubdirectory("effnet-runfolder").FullName, "run");
        var first = await Evaluator.RunAsync(loaded, data, new EvalOptions { BatchSize = 8, Limit = limit, OutDir = outDir });
        Assert.True(first.Completed);
        return (loaded, data, outDir);
    }

    [Fact]
    public async Task Invalid_options_and_a_second_run_leave_a_finished_run_byte_for_byte()
    {
        var (loaded, data, outDir) = await FinishedRun();
        using var _ = loaded;
        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "mine");
        var before = Hashes(outDir);
        Assert.Contains("predictions.csv", before.Keys);

        async Task<string> Refused(EvalOptions options)
        {
            var e = await Assert.ThrowsAsync<ArgumentException>(() => Evaluator.RunAsync(loaded, data, options));
            Assert.Equal(before, Hashes(outDir));
            return e.Message;
        }

        var again = await Refused(new EvalOptions { BatchSize = 8, Limit = 12, OutDir = outDir });
        Assert.Contains(outDir, again);
        Assert.Contains("--resume", again);
        Assert.Contains("--overwrite", again);
        Assert.Contains("--resume", await Refused(new EvalOptions { OutDir = outDir, Resume = true, Overwrite = true }));
        Assert.Contains("--batch-size", await Refused(new EvalOptions { OutDir = outDir, Overwrite = true, BatchSize = 0 }));
        Assert.Contains("--limit", await Refused(new EvalOptions { OutDir = outDir, Overwrite = true, Limit = 0 }));
        // ONNX Runtime runs float32 on the CPU: a model placed in float16 is refused before the folder is touched.
        loaded.Place("cpu", half: true);
        Assert.Contains("onnxruntime", await Refused(new EvalOptions { OutDir = outDir, Overwrite = true, Backend = InferenceBackend.OnnxRuntime }));
    }

    [Fact]
    public async Task Overwrite_replaces_the_runs_files_and_keeps_the_others()
    {
        var (loaded, data, outDir) = await FinishedRun(limit: 4);
        using var _ = loaded;
        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(outDir, "monitor-2.csv"), "a resumed session's samples");
        var replaced = await Evaluator.RunAsync(loaded, data, new EvalOptions { BatchSize = 8, Limit = 10, OutDir = outDir, Overwrite = true });
        Assert.Equal(10, replaced.Metrics.Images);
        Assert.Equal(11, File.ReadAllLines(Path.Combine(outDir, PredictionLog.PredictionsFile)).Length); // header + 10, none of the first run's 4
        Assert.Equal(10, (int)JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, RunFolder.SummaryFile)))!["images"]!);
        Assert.False(File.Exists(Path.Combine(outDir, "monitor-2.csv")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(outDir, "notes.txt")));
    }

    [Fact]
    public async Task Resume_still_continues_a_run_without_overwrite()
    {
        var (loaded, data, outDir) = await FinishedRun(limit: 4);
        using var _ = loaded;
        var resumed = await Evaluator.RunAsync(loaded, data, new EvalOptions { BatchSize = 8, Limit = 10, OutDir = outDir, Resume = true });
        Assert.Equal(10, resumed.Metrics.Images);
        Assert.Equal(11, File.ReadAllLines(Path.Combine(outDir, PredictionLog.PredictionsFile)).Length);
    }
}
