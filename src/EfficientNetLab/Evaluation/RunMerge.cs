using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Devices;

namespace EfficientNetLab.Evaluation;

/// <summary>
/// <c>effnet eval merge</c>: combines the run folders of shards <c>0/N … N-1/N</c> into one run folder that is the
/// unsharded run's. Nothing is averaged: the shards' per-image records are put back in dataset order and replayed
/// through <see cref="RunRecords"/> exactly as <c>--resume</c> replays a run's own predictions.csv, so summary,
/// per_class.csv, confusion.csv, calibration and intervals come out as one process would have written them.
/// Shards that do not belong together — other weights, preset, decoder, dtype, backend, dataset or class mapping,
/// another split, overlapping, missing or unfinished — are refused with the folder and the difference named.
/// </summary>
public static class RunMerge
{
    /// <summary>One shard's run folder as the merge reads it.</summary>
    private sealed record ShardRun(string Dir, JsonObject Summary, ShardRecord Record, List<Prediction> Predictions,
        List<(int Index, SkippedFile File)> Skipped, int TopK)
    {
        public string Name => $"{Dir} ({Record.Describe()})";
    }

    /// <summary>Summary fields that say how every image was computed: shards must agree on each.</summary>
    private static readonly (string Key, string What)[] MustAgree =
    [
        ("model", "model"), ("preset", "preset"), ("decoder", "decoder"), ("dtype", "dtype"), ("backend", "backend"),
        ("dataset_size", "dataset size"), ("class_mapping", "class mapping"),
        // The split is made of whole batches (see Shard): another batch size is another split.
        ("batch_size", "batch size"),
    ];

    public static EvalResult Merge(IReadOnlyList<string> shardDirs, string outDir, bool overwrite = false, Action<string>? log = null)
    {
        if (shardDirs.Count == 0) throw new ArgumentException("eval merge needs the shard run folders to merge (RUN…).");
        var outFull = Path.GetFullPath(outDir);
        if (shardDirs.FirstOrDefault(d => Path.GetFullPath(d).TrimEnd('/') == outFull.TrimEnd('/')) is { } same)
            throw new ArgumentException($"--out {outDir} is one of the shards ({same}): merge into a folder of its own.");
        if (File.Exists(outDir)) throw new ArgumentException($"--out {outDir} is a file; give a folder for the merged run.");
        if (!overwrite && RunFolder.RunMarkers(outDir) is { Count: > 0 } found)
            throw new ArgumentException($"--out {outDir} already holds a run ({string.Join(", ", found)}): pass --overwrite to replace it.");

        var shards = shardDirs.Select(Read).ToList();
        CheckAgreement(shards);
        shards = CheckCoverage(shards);

        var predictions = shards.SelectMany(s => s.Predictions).ToList();
        var skipped = shards.SelectMany(s => s.Skipped).ToList();
        var names = shards[0].Record.ClassNames;
        var records = RunRecords.Replay(names.Count, predictions, skipped);
        var first = shards[0].Summary;

        if (overwrite && RunFolder.Files(outDir) is { Count: > 0 } old)
        {
            log?.Invoke($"--overwrite: replacing the run in {outDir} ({old.Count} files)");
            RunFolder.Clear(outDir);
        }
        Directory.CreateDirectory(outDir);
        using (var files = PredictionLog.Create(outDir, shards[0].TopK)) files.Write(predictions, skipped);
        var summary = records.Summarize(SavedSummary.Model(first), completed: true, SavedSummary.Preset(first), SavedSummary.Decoder(first),
            SavedSummary.Get<int>(first, "dataset_size"), SavedSummary.Get<int>(first, "dataset_classes"), SavedSummary.Mapping(first),
            CombinedThroughput(shards), CombinedMonitor(shards), names, shard: null);
        var result = records.ToResult(summary, names);
        result.WriteFiles(outDir);
        log?.Invoke($"merged {shards.Count} shards: {summary.Counts.Images:N0} images, {summary.Counts.Skipped:N0} skipped → {outDir}");
        return result;
    }

    private static ShardRun Read(string dir)
    {
        var summary = SavedSummary.Read(dir, "a shard's --out", $"effnet eval … --shard I/N --out {dir} --resume");
        if (summary["shard"] is not JsonObject shardJson)
            throw new InvalidDataException($"{dir}: a whole run, not a shard (its summary has no \"shard\"); merge takes the folders of --shard I/N runs.");
        var record = ShardRecord.FromJson(shardJson);
        var name = $"{dir} ({record.Describe()})";
        var (predictions, skipped) = PredictionLog.Read(dir);
        int recorded = predictions.Count + skipped.Count;
        if (summary["completed"]?.GetValue<bool>() != true)
            throw new InvalidDataException(
                $"{name} is incomplete: {recorded:N0} of its {record.Length:N0} images recorded. Finish it with " +
                $"effnet eval … --shard {record.Shard} --out {dir} --resume");
        var indices = predictions.Select(p => p.Index).Concat(skipped.Select(s => s.Index)).ToList();
        if (indices.FirstOrDefault(i => i < record.Start || i >= record.End, -1) is var outside and >= 0)
            throw new InvalidDataException($"{name}: its records hold image {outside}, which is outside the shard.");
        if (recorded != record.Length || indices.Distinct().Count() != recorded)
            throw new InvalidDataException(
                $"{name}: {recorded:N0} records for {record.Length:N0} images (each image must appear once in predictions.csv or skipped.csv); " +
                $"evaluate it again with --overwrite.");
        var header = File.ReadLines(Path.Combine(dir, PredictionLog.PredictionsFile)).First().Split(',');
        int topk = header.Count(h => h.StartsWith("top", StringComparison.Ordinal));
        return new ShardRun(dir, summary, record, predictions.OrderBy(p => p.Index).ToList(), skipped.OrderBy(s => s.Index).ToList(), topk);
    }

    private static void CheckAgreement(IReadOnlyList<ShardRun> shards)
    {
        var a = shards[0];
        foreach (var b in shards.Skip(1))
        {
            foreach (var (key, what) in MustAgree)
            {
                if (!JsonNode.DeepEquals(a.Summary[key], b.Summary[key]))
                    throw Disagree(what, a, b, a.Summary[key]?.ToJsonString(), b.Summary[key]?.ToJsonString());
            }
            if (a.Record.WeightsSha256 != b.Record.WeightsSha256)
                throw Disagree("weights (sha256)", a, b, a.Record.WeightsSha256, b.Record.WeightsSha256);
            if (a.Record.DatasetSha256 != b.Record.DatasetSha256)
                throw Disagree("dataset (sha256 of the files' paths and labels in order)", a, b, a.Record.DatasetSha256, b.Record.DatasetSha256);
            if (!a.Record.ClassNames.SequenceEqual(b.Record.ClassNames))
                throw Disagree("class names", a, b, string.Join(", ", a.Record.ClassNames), string.Join(", ", b.Record.ClassNames));
            if (a.Record.Count != b.Record.Count)
                throw new InvalidDataException(
                    $"{a.Name} and {b.Name} come from different splits (N = {a.Record.Count} and {b.Record.Count}), so their images overlap or " +
                    "leave gaps: merge the shards of one --shard I/N split.");
        }
    }

    private static InvalidDataException Disagree(string what, ShardRun a, ShardRun b, string? va, string? vb) =>
        new($"the shards disagree on the {what}: {a.Name} has {va ?? "none"}, {b.Name} has {vb ?? "none"}.");

    /// <summary>Exactly one folder per shard 0 … N-1; returns them in shard order.</summary>
    private static List<ShardRun> CheckCoverage(List<ShardRun> shards)
    {
        foreach (var twice in shards.GroupBy(s => s.Record.Index).Where(g => g.Count() > 1))
            throw new InvalidDataException(
                $"shard {twice.Key}/{twice.First().Record.Count} is given twice ({string.Join(" and ", twice.Select(s => s.Dir))}): its images would count twice.");
        int n = shards[0].Record.Count;
        var missing = Enumerable.Range(0, n).Except(shards.Select(s => s.Record.Index)).ToList();
        if (missing.Count > 0)
        {
            int size = shards[0].Summary["dataset_size"]!.GetValue<int>(), batch = shards[0].Summary["batch_size"]!.GetValue<int>();
            var what = missing.Select(i =>
            {
                var (start, end) = new Shard(i, n).Range(size, batch);
                return $"shard {i}/{n} (images {start}–{end - 1})";
            });
            throw new InvalidDataException($"images are left out: {string.Join(", ", what)} not given. Pass every shard's folder.");
        }
        return shards.OrderBy(s => s.Record.Index).ToList();
    }

    /// <summary>
    /// The shards ran side by side: the merged run took as long as the longest shard, processed images at the sum
    /// of their rates and peaked at the largest shard's memory. (A shard resumed later reports its last session.)
    /// </summary>
    private static EvalThroughput CombinedThroughput(IReadOnlyList<ShardRun> shards)
    {
        var each = shards.Select(s => (Throughput: SavedSummary.Throughput(s.Summary), Images: SavedSummary.Get<long>(s.Summary, "images"))).ToList();
        var first = each[0].Throughput;
        long images = each.Sum(s => s.Images);
        return first with
        {
            ImagesPerSecond = Math.Round(each.Sum(s => s.Throughput.ImagesPerSecond), 2),
            RetryBatchSize = each.Select(s => s.Throughput.RetryBatchSize).Min(),
            PeakMemoryMb = each.Max(s => s.Throughput.PeakMemoryMb),
            WallTimeSeconds = each.Max(s => s.Throughput.WallTimeSeconds),
            DataWaitFraction = images == 0 ? 0 : Math.Round(each.Sum(s => s.Throughput.DataWaitFraction * s.Images) / images, 4),
        };
    }

    /// <summary>Every shard's resource samples: peaks are the highest shard's, means weighted by samples.</summary>
    private static MonitorSummary CombinedMonitor(IReadOnlyList<ShardRun> shards)
    {
        var monitors = shards.Select(s => SavedSummary.Monitor(s.Summary)).ToList();
        var metrics = monitors.SelectMany(m => m.Metrics).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g =>
        {
            var stats = g.Select(kv => kv.Value).ToList();
            int count = stats.Sum(x => x.Count);
            return new MetricStats(stats.Max(x => x.Peak), count == 0 ? 0 : stats.Sum(x => x.Mean * x.Count) / count, count);
        });
        return new MonitorSummary(monitors.Sum(m => m.Samples), monitors.Max(m => m.Duration), metrics);
    }
}
