using System.Text.Json;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Devices;
using EfficientNetLab.Imaging;

namespace EfficientNetLab.Evaluation;

/// <summary>
/// A run folder's summary.json read back into the values <see cref="EvalSummary.ToJson"/> wrote: what cannot be
/// recomputed from predictions.csv (the model, preset, decoder, mapping, placement, timing, monitor, classes).
/// Enumerations are matched through the writers' own spellings, so a name changed in one place reads back too.
/// <see cref="RunFolder.Load"/> and <see cref="RunMerge"/> both read through here.
/// </summary>
internal static class SavedSummary
{
    /// <summary>summary.json of <paramref name="dir"/>; <paramref name="finish"/> is the command that would write it.</summary>
    public static JsonObject Read(string dir, string what, string finish)
    {
        if (!Directory.Exists(dir)) throw new ArgumentException($"{dir}: no such folder ({what}).");
        var path = Path.Combine(dir, RunFolder.SummaryFile);
        if (!File.Exists(path))
            throw new InvalidDataException(
                $"{dir}: no {RunFolder.SummaryFile}: this run has not finished (it failed or is still running). Run it again with " +
                $"--resume to finish it: {finish}");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a run summary ({e.Message}).");
        }
    }

    public static EvalModelInfo Model(JsonObject s) => new(Get<string>(s, "model"), Get<string>(s, "weights"),
        Get<double>(s, "param_count"), s["published_top1"]?.GetValue<double>(), s["published_top5"]?.GetValue<double>());

    public static EvalPreset Preset(JsonObject s) => EvalPreset.FromJson(Object(s, "preset"));

    public static DecoderKind Decoder(JsonObject s) => ReadBack(s, "decoder", Enum.GetValues<DecoderKind>(), d => d.Name());

    public static LabelMapping? Mapping(JsonObject s) =>
        ReadBack(s, "class_mapping", Enum.GetValues<LabelMapping>().Select(m => (LabelMapping?)m).Append(null),
            m => m?.Name());

    public static IReadOnlyList<string> ClassNames(JsonObject s) =>
        (s["class_names"] as JsonArray ?? throw new InvalidDataException($"{RunFolder.SummaryFile}: no \"class_names\" (the model's classes)."))
        .Select(n => n!.GetValue<string>()).ToArray();

    public static ShardRecord? Shard(JsonObject s) => s["shard"] is JsonObject o ? ShardRecord.FromJson(o) : null;

    public static EvalThroughput Throughput(JsonObject s)
    {
        var device = Get<string>(s, "device");
        var placement = new ModelPlacement(device, ReadBack(s, "dtype", [false, true], half => new ModelPlacement(device, half, false).DtypeName),
            ReadBack(s, "memory_format", [false, true], nhwc => new ModelPlacement(device, false, nhwc).MemoryFormat));
        return new EvalThroughput(ReadBack(s, "backend", Enum.GetValues<InferenceBackend>(), b => b.Name()), placement,
            Get<string>(s, "device_name"), Get<double>(s, "images_per_s"), Get<int>(s, "batch_size"),
            s["retry_batch_size"]?.GetValue<int>(), Get<int>(s, "workers"), Get<double>(s, "peak_memory_mb"),
            Get<double>(s, "wall_time_s"), Get<double>(s, "data_wait_fraction"),
            // Runs saved before the backend was chosen by probe have neither.
            s["backend_reason"]?.GetValue<string>(), s["backend_probe"] is JsonObject p ? BackendProbeFrom(p) : null,
            s["onnx_images_per_run"]?.GetValue<int>());
    }

    private static BackendProbe BackendProbeFrom(JsonObject p) => new(Get<double>(p, "libtorch_images_per_s"), Get<double>(p, "onnxruntime_images_per_s"),
        Get<int>(p, "batch_size"), Get<int>(p, "img_size"), Get<int>(p, "threads"), Get<bool>(p, "cached"));

    public static MonitorSummary Monitor(JsonObject s)
    {
        var m = Object(s, "monitor");
        return new MonitorSummary(m["samples"]!.GetValue<int>(), TimeSpan.FromSeconds(m["duration_s"]!.GetValue<double>()),
            m["metrics"]!.AsObject().ToDictionary(kv => kv.Key, kv => new MetricStats(kv.Value!["peak"]!.GetValue<double>(),
                kv.Value!["mean"]!.GetValue<double>(), kv.Value!["samples"]!.GetValue<int>())));
    }

    /// <summary>A required field of the summary, or an error that names it.</summary>
    public static T Get<T>(JsonObject s, string key)
    {
        try
        {
            return s[key] is { } node ? node.GetValue<T>() : throw new InvalidDataException($"{RunFolder.SummaryFile}: no \"{key}\".");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{RunFolder.SummaryFile}: \"{key}\" is {s[key]!.ToJsonString()}, not a {typeof(T).Name}.");
        }
    }

    private static JsonObject Object(JsonObject s, string key) =>
        s[key] as JsonObject ?? throw new InvalidDataException($"{RunFolder.SummaryFile}: \"{key}\" is {s[key]?.ToJsonString() ?? "missing"}, not an object.");

    /// <summary>The value whose spelling, as the summary's writer spells it, is what <paramref name="key"/> holds.</summary>
    private static T ReadBack<T>(JsonObject summary, string key, IEnumerable<T> values, Func<T, string?> spelling)
    {
        var text = summary[key]?.GetValue<string>();
        foreach (var value in values)
            if (spelling(value) == text) return value;
        throw new InvalidDataException($"{RunFolder.SummaryFile}: unknown {key} '{text}'.");
    }
}
