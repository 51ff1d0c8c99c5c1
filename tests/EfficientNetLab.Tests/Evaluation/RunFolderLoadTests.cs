using System.Text.Json.Nodes;
using EfficientNetLab.Evaluation;

namespace EfficientNetLab.Tests.Evaluation;

/// <summary>
/// <see cref="RunFolder.Load"/> on the sample's runs (RunMergeTests' whole run, shards and a merge of them): the
/// run read back is the run that was written — every summary key, timing included, and every per-class and
/// confusion row.
/// </summary>
public class RunFolderLoadTests
{
    private static readonly string[] WrittenFiles = [RunFolder.SummaryFile, RunFolder.PerClassFile, RunFolder.ConfusionFile];

    /// <summary>The loaded result, written again into a folder of its own, gives the saved files byte for byte.</summary>
    private static EvalResult AssertLoadsAsWritten(string dir)
    {
        var result = RunFolder.Load(dir);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, RunFolder.SummaryFile)), result.Summary.ToJson().ToJsonString(EvalSummary.FileFormat));
        var again = Directory.CreateTempSubdirectory("effnet-loaded").FullName;
        result.WriteFiles(again);
        foreach (var file in WrittenFiles)
            Assert.Equal(File.ReadAllText(Path.Combine(dir, file)), File.ReadAllText(Path.Combine(again, file)));
        return result;
    }

    [Fact]
    public async Task A_whole_run_and_a_shard_load_as_written()
    {
        var runs = await RunMergeTests.Shared.Value;
        var whole = AssertLoadsAsWritten(runs.Whole);
        Assert.Equal(500, whole.Metrics.Images);
        Assert.Null(whole.Summary.Shard);
        var shard = AssertLoadsAsWritten(runs.Shards[1]);
        Assert.Equal((1, 3, 150, 300), (shard.Summary.Shard!.Index, shard.Summary.Shard.Count, shard.Summary.Shard.Start, shard.Summary.Shard.End));
    }

    [Fact]
    public async Task A_merged_run_loads_as_written_and_as_the_whole_run()
    {
        var runs = await RunMergeTests.Shared.Value;
        var dir = RunMergeTests.FreshOut();
        RunMerge.Merge(runs.Shards, dir);
        var merged = AssertLoadsAsWritten(dir);
        var whole = RunFolder.Load(runs.Whole);
        Assert.Equal(whole.Summary.Top1, merged.Summary.Top1);
        Assert.Equal(whole.Summary.Top5, merged.Summary.Top5);
        Assert.Equal(whole.Metrics.PerClass(whole.ClassNames), merged.Metrics.PerClass(merged.ClassNames));
        Assert.Equal(whole.Metrics.Confusions(), merged.Metrics.Confusions());
    }

    [Fact]
    public async Task What_is_not_a_saved_run_is_refused_with_the_folder_named()
    {
        var runs = await RunMergeTests.Shared.Value;
        var missing = Path.Combine(runs.Root, "no-such-run");
        Assert.Contains($"{missing}: no such folder", Assert.Throws<ArgumentException>(() => RunFolder.Load(missing)).Message);

        var unfinished = RunMergeTests.CopyOf(runs.Whole);
        File.Delete(Path.Combine(unfinished, RunFolder.SummaryFile));
        var error = Assert.Throws<InvalidDataException>(() => RunFolder.Load(unfinished)).Message;
        Assert.Contains($"{unfinished}: no summary.json: this run has not finished", error);
        Assert.Contains($"--out {unfinished} --resume", error);

        var garbled = RunMergeTests.CopyOf(runs.Whole);
        File.WriteAllText(Path.Combine(garbled, RunFolder.SummaryFile), "{\"model\": ");
        Assert.Contains("not a run summary", Assert.Throws<InvalidDataException>(() => RunFolder.Load(garbled)).Message);

        var wrongType = RunMergeTests.CopyOf(runs.Whole);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(wrongType, RunFolder.SummaryFile)))!.AsObject();
        summary["dataset_size"] = "many";
        File.WriteAllText(Path.Combine(wrongType, RunFolder.SummaryFile), summary.ToJsonString());
        Assert.Contains("\"dataset_size\" is \"many\", not a Int32", Assert.Throws<InvalidDataException>(() => RunFolder.Load(wrongType)).Message);
        summary = JsonNode.Parse(File.ReadAllText(Path.Combine(runs.Whole, RunFolder.SummaryFile)))!.AsObject();
        summary.Remove("preset");
        File.WriteAllText(Path.Combine(wrongType, RunFolder.SummaryFile), summary.ToJsonString());
        Assert.Contains("\"preset\" is missing, not an object", Assert.Throws<InvalidDataException>(() => RunFolder.Load(wrongType)).Message);

        var cut = RunMergeTests.CopyOf(runs.Whole);
        var predictions = Path.Combine(cut, "predictions.csv");
        File.WriteAllLines(predictions, File.ReadLines(predictions).Take(1 + 100).ToArray());
        error = Assert.Throws<InvalidDataException>(() => RunFolder.Load(cut)).Message;
        Assert.Contains("summary.json counts 500 images but predictions.csv holds 100", error);
    }
}
