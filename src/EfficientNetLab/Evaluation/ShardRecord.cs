using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Evaluation;

/// <summary>
/// What a shard run (<c>--shard I/N</c>) records in its summary under <c>"shard"</c>: which block of the dataset it
/// covers and fingerprints of what it ran with, so that <see cref="RunMerge"/> can prove that shards belong to one
/// run — the same weights (sha256 of the file), the same dataset (sha256 of every sample's path and label, in
/// order), the same classes — before it combines their per-image records.
/// </summary>
public sealed record ShardRecord(int Index, int Count, int Start, int End, string WeightsSha256, string DatasetSha256, IReadOnlyList<string> ClassNames)
{
    public Shard Shard => new(Index, Count);

    /// <summary>Images the shard covers.</summary>
    public int Length => End - Start;

    public string Describe() => $"shard {Index}/{Count} (images {Start}–{End - 1})";

    /// <summary>The record of <paramref name="shard"/> of <paramref name="dataset"/> evaluated with <paramref name="loaded"/> in batches of <paramref name="batchSize"/>.</summary>
    public static ShardRecord For(Shard shard, IReadOnlyList<Sample> dataset, LoadedModel loaded, int batchSize)
    {
        var (start, end) = shard.Range(dataset.Count, batchSize);
        return new ShardRecord(shard.Index, shard.Count, start, end, WeightsSha256Of(loaded), DatasetSha256Of(dataset), loaded.ClassNames);
    }

    /// <summary>The checkpoint file's sha256 (<see cref="EvalOptions.Validate"/> refuses to shard weights without a file).</summary>
    public static string WeightsSha256Of(LoadedModel loaded)
    {
        using var f = File.OpenRead(loaded.WeightsPath ?? throw new InvalidOperationException($"{loaded.WeightsDescription} has no weights file."));
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    /// <summary>sha256 over "path\tlabel\n" of every sample in dataset order: equal only for the same files, order and labels.</summary>
    public static string DatasetSha256Of(IReadOnlyList<Sample> dataset)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var s in dataset) hash.AppendData(Encoding.UTF8.GetBytes($"{s.Path}\t{s.Label}\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public JsonObject ToJson() => new()
    {
        ["index"] = Index,
        ["count"] = Count,
        ["start"] = Start,
        ["end"] = End,
        ["weights_sha256"] = WeightsSha256,
        ["dataset_sha256"] = DatasetSha256,
        ["class_names"] = new JsonArray(ClassNames.Select(n => (JsonNode?)n).ToArray()),
    };

    public static ShardRecord FromJson(JsonObject o) => new(
        o["index"]!.GetValue<int>(), o["count"]!.GetValue<int>(), o["start"]!.GetValue<int>(), o["end"]!.GetValue<int>(),
        o["weights_sha256"]!.GetValue<string>(), o["dataset_sha256"]!.GetValue<string>(),
        o["class_names"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray());
}
