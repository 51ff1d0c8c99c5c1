using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Evaluation;

/// <summary>
/// Sharded runs and their merge, through the CLI on the shipped sample (500 images): N = 3 shards merged must be
/// the unsharded run — every summary number, every per-class and confusion row, every prediction.
/// </summary>
public class RunMergeTests
{
    /// <summary>Summary fields that time the run (or say which session did): the only ones a merge may change.</summary>
    // backend_reason and backend_probe hold the probe's images/s and whether this process measured or read them.
    public static readonly string[] TimingFields = ["images_per_s", "wall_time_s", "data_wait_fraction", "peak_memory_mb", "monitor", "retry_batch_size",
        "backend_reason", "backend_probe"];

    /// <summary>The run folder's files that hold results (monitor.csv holds timing).</summary>
    private static readonly string[] ResultFiles = ["predictions.csv", "skipped.csv", "per_class.csv", "confusion.csv"];

    internal sealed class Runs
    {
        public required string Root { get; init; }
        public required string Whole { get; init; }
        public required string[] Shards { get; init; }
    }

    // One unsharded run and its three shards for every test here; each test merges copies.
    internal static readonly Lazy<Task<Runs>> Shared = new(async () =>
    {
        var root = Directory.CreateTempSubdirectory("effnet-merge").FullName;
        var whole = Path.Combine(root, "whole");
        // Under --backend auto a shard runs on libtorch (BackendChoice): so does the run its merge must equal.
        await Eval("--out", whole, "--backend", "libtorch");
        var shards = new string[3];
        for (int i = 0; i < 3; i++)
        {
            shards[i] = Path.Combine(root, $"shard-{i}");
            await Eval("--shard", $"{i}/3", "--out", shards[i]);
        }
        return new Runs { Root = root, Whole = whole, Shards = shards };
    });

    private static Task<JsonObject> Eval(params string[] args) =>
        Support.Cli.JsonAsync(["eval", "--weights", Repo.SampleCheckpoint, "--data", Repo.SampleImages, "--device", "cpu", "--batch-size", "50", .. args]);

    internal static string CopyOf(string dir)
    {
        var copy = Directory.CreateTempSubdirectory("effnet-shard-copy").FullName;
        foreach (var f in Directory.GetFiles(dir)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        return copy;
    }

    internal static string FreshOut() => Path.Combine(Directory.CreateTempSubdirectory("effnet-merged").FullName, "merged");

    private static JsonObject WithoutTiming(JsonObject summary)
    {
        var copy = summary.DeepClone().AsObject();
        foreach (var key in TimingFields) copy.Remove(key);
        return copy;
    }

    private static void AssertSameRun(string expectedDir, string actualDir)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(expectedDir, "summary.json")))!.AsObject();
        var actual = JsonNode.Parse(File.ReadAllText(Path.Combine(actualDir, "summary.json")))!.AsObject();
        Assert.Equal(WithoutTiming(expected).ToJsonString(), WithoutTiming(actual).ToJsonString());
        foreach (var file in ResultFiles)
            Assert.Equal(File.ReadAllText(Path.Combine(expectedDir, file)), File.ReadAllText(Path.Combine(actualDir, file)));
    }

    private static async Task<string> MergeFails(params string[] args)
    {
        var (code, stdout, stderr) = await Support.Cli.RunAsync(["eval", "merge", .. args]);
        Assert.True(code == 1, $"exit {code}: {stdout}{stderr}");
        return stderr;
    }

    [Fact]
    public async Task Three_shards_merged_are_the_unsharded_run()
    {
        var runs = await Shared.Value;
        var merged = FreshOut();
        // In any order: the merge puts them back in shard order.
        var json = await Support.Cli.JsonAsync(["eval", "merge", .. runs.Shards.Reverse(), "--out", merged]);
        Assert.Equal(500, (int)json["images"]!);
        Assert.True((bool)json["completed"]!);
        AssertSameRun(runs.Whole, merged);
        // What --json printed is what summary.json holds.
        Assert.Equal(File.ReadAllText(Path.Combine(merged, "summary.json")), json.ToJsonString(EvalSummary.FileFormat));
    }

    [Fact]
    public async Task A_shard_is_a_run_folder_of_its_own_with_global_indices()
    {
        var runs = await Shared.Value;
        var wholeFiles = Directory.GetFiles(runs.Whole).Select(Path.GetFileName).Order();
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(runs.Shards[1], "summary.json")))!.AsObject();
        Assert.Equal(wholeFiles, Directory.GetFiles(runs.Shards[1]).Select(Path.GetFileName).Order());
        // 10 batches of 50 dealt out in contiguous blocks [⌊i·10/3⌋, ⌊(i+1)·10/3⌋): images 0–149, 150–299, 300–499.
        var shard = summary["shard"]!.AsObject();
        Assert.Equal((1, 3, 150, 300), ((int)shard["index"]!, (int)shard["count"]!, (int)shard["start"]!, (int)shard["end"]!));
        Assert.Equal(500, (int)summary["dataset_size"]!);
        Assert.Equal(150, (int)summary["images"]!);
        var indices = File.ReadLines(Path.Combine(runs.Shards[1], "predictions.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToList();
        Assert.Equal(Enumerable.Range(150, 150), indices);
        // The same rows as the unsharded run's images 150–299, dataset index, probabilities and all.
        Assert.Equal(File.ReadLines(Path.Combine(runs.Whole, "predictions.csv")).Skip(1 + 150).Take(150),
            File.ReadLines(Path.Combine(runs.Shards[1], "predictions.csv")).Skip(1));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Repo.SampleCheckpoint))), (string)shard["weights_sha256"]!);
    }

    [Fact]
    public async Task An_interrupted_shard_is_named_then_resumed_and_merged()
    {
        var runs = await Shared.Value;
        // What a shard killed mid-run leaves: no summary, the first batches' predictions.
        var cut = CopyOf(runs.Shards[2]);
        File.Delete(Path.Combine(cut, "summary.json"));
        File.WriteAllLines(Path.Combine(cut, "predictions.csv"), File.ReadLines(Path.Combine(cut, "predictions.csv")).Take(1 + 50).ToArray());
        var shards = new[] { runs.Shards[0], runs.Shards[1], cut };
        var error = await MergeFails([.. shards, "--out", FreshOut()]);
        Assert.Contains(cut, error);
        Assert.Contains("--resume", error);

        var resumed = await Eval("--shard", "2/3", "--out", cut, "--resume");
        Assert.Equal(200, (int)resumed["images"]!);
        var merged = FreshOut();
        await Support.Cli.JsonAsync(["eval", "merge", .. shards, "--out", merged]);
        AssertSameRun(runs.Whole, merged);
    }

    [Fact]
    public async Task Resume_refuses_the_folder_of_another_shard_or_of_a_whole_run()
    {
        var runs = await Shared.Value;
        var other = CopyOf(runs.Shards[2]);
        var before = File.ReadAllText(Path.Combine(other, "predictions.csv"));
        var (code, _, stderr) = await Support.Cli.RunAsync("eval", "--weights", Repo.SampleCheckpoint, "--data", Repo.SampleImages,
            "--device", "cpu", "--batch-size", "50", "--shard", "1/3", "--out", other, "--resume");
        Assert.Equal(1, code);
        Assert.Contains("--shard 1/3 (images 150–299)", stderr);
        (code, _, stderr) = await Support.Cli.RunAsync("eval", "--weights", Repo.SampleCheckpoint, "--data", Repo.SampleImages,
            "--device", "cpu", "--batch-size", "50", "--out", other, "--resume");
        Assert.Equal(1, code);
        Assert.Contains("the whole dataset (images 0–499)", stderr);
        Assert.Equal(before, File.ReadAllText(Path.Combine(other, "predictions.csv")));
    }

    [Fact]
    public async Task Missing_or_repeated_shards_are_refused()
    {
        var runs = await Shared.Value;
        var error = await MergeFails(runs.Shards[0], runs.Shards[2], "--out", FreshOut());
        Assert.Contains("shard 1/3 (images 150–299)", error);
        Assert.Contains("left out", error);
        error = await MergeFails(runs.Shards[0], runs.Shards[1], runs.Shards[1], runs.Shards[2], "--out", FreshOut());
        Assert.Contains("shard 1/3 is given twice", error);
        error = await MergeFails(runs.Whole, runs.Shards[1], "--out", FreshOut());
        Assert.Contains($"{runs.Whole}: a whole run, not a shard", error);
    }

    [Fact]
    public async Task Shards_of_another_split_are_refused_as_overlapping()
    {
        var runs = await Shared.Value;
        var half = Path.Combine(runs.Root, "half-1");
        await Eval("--shard", "1/2", "--out", half);
        var error = await MergeFails(runs.Shards[0], half, runs.Shards[2], "--out", FreshOut());
        Assert.Contains("different splits (N = 3 and 2)", error);
        Assert.Contains(half, error);
    }

    [Fact]
    public async Task Shards_made_with_another_preset_or_dataset_are_refused()
    {
        var runs = await Shared.Value;
        var otherPreset = Path.Combine(runs.Root, "preset-64");
        await Eval("--shard", "1/3", "--out", otherPreset, "--img-size", "64");
        var error = await MergeFails(runs.Shards[0], otherPreset, runs.Shards[2], "--out", FreshOut());
        Assert.Contains("disagree on the preset", error);
        Assert.Contains(otherPreset, error);

        var fewer = Path.Combine(runs.Root, "limit-400");
        await Eval("--shard", "1/3", "--out", fewer, "--limit", "400");
        error = await MergeFails(runs.Shards[0], fewer, runs.Shards[2], "--out", FreshOut());
        Assert.Contains("disagree on the dataset size: ", error);
        Assert.Contains("has 500", error);
        Assert.Contains("has 400", error);
    }

    [Fact]
    public async Task Shards_of_other_weights_or_classes_are_refused()
    {
        var runs = await Shared.Value;
        // Two checkpoints that share architecture and classes but not bytes are not at hand: the shard records
        // are edited as other weights and another class list would have written them.
        var other = CopyOf(runs.Shards[1]);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(other, "summary.json")))!.AsObject();
        summary["shard"]!["weights_sha256"] = new string('0', 64);
        File.WriteAllText(Path.Combine(other, "summary.json"), summary.ToJsonString());
        var error = await MergeFails(runs.Shards[0], other, runs.Shards[2], "--out", FreshOut());
        Assert.Contains("disagree on the weights (sha256)", error);
        Assert.Contains(new string('0', 64), error);

        summary = JsonNode.Parse(File.ReadAllText(Path.Combine(runs.Shards[1], "summary.json")))!.AsObject();
        summary["shard"]!["class_names"]!.AsArray()[0] = "Boot";
        File.WriteAllText(Path.Combine(other, "summary.json"), summary.ToJsonString());
        error = await MergeFails(runs.Shards[0], other, runs.Shards[2], "--out", FreshOut());
        Assert.Contains("disagree on the class names", error);
    }

    [Fact]
    public async Task Merge_keeps_an_existing_run_unless_told_to_overwrite()
    {
        var runs = await Shared.Value;
        var merged = FreshOut();
        await Support.Cli.JsonAsync(["eval", "merge", .. runs.Shards, "--out", merged]);
        var before = File.ReadAllBytes(Path.Combine(merged, "summary.json"));
        var error = await MergeFails([.. runs.Shards, "--out", merged]);
        Assert.Contains("--overwrite", error);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(merged, "summary.json")));
        await Support.Cli.JsonAsync(["eval", "merge", .. runs.Shards, "--out", merged, "--overwrite"]);
        AssertSameRun(runs.Whole, merged);
    }

    [Theory]
    [InlineData("3/3", "runs from 0 to 2")]
    [InlineData("0/0", "at least 1")]
    [InlineData("1-3", "takes I/N")]
    public async Task Bad_shard_option_is_refused(string shard, string message)
    {
        var (code, _, stderr) = await Support.Cli.RunAsync("eval", "--weights", Repo.SampleCheckpoint, "--data", Repo.SampleImages, "--shard", shard);
        Assert.Equal(1, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task Random_weights_cannot_be_sharded()
    {
        var (code, _, stderr) = await Support.Cli.RunAsync("eval", "--model", "b0", "--weights", "random", "--data", Repo.SampleImages,
            "--shard", "0/2", "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("--shard 0/2 needs weights from a file", stderr);
    }

    [Fact]
    public void Shards_deal_out_whole_batches_that_cover_the_dataset_once()
    {
        foreach (int size in new[] { 0, 1, 2, 7, 500, 50_000 })
        foreach (int batch in new[] { 1, 3, 64, 256 })
        foreach (int n in new[] { 1, 2, 3, 8, 11 })
        {
            var ranges = Enumerable.Range(0, n).Select(i => new Shard(i, n).Range(size, batch)).ToList();
            Assert.Equal(0, ranges[0].Start);
            Assert.Equal(size, ranges[^1].End);
            for (int i = 1; i < n; i++) Assert.Equal(ranges[i - 1].End, ranges[i].Start);
            // Every shard starts on a batch boundary of the unsharded run, and the shards differ by at most one batch.
            Assert.All(ranges, r => Assert.True(r.Start % batch == 0 || r.Start == size, $"{size}/{batch}/{n}: {r}"));
            var full = ranges.Select(r => (r.End - r.Start + batch - 1) / batch).ToList();
            Assert.True(full.Max() - full.Min() <= 1, $"{size}/{batch}/{n}: {string.Join(",", ranges)}");
        }
    }
}
