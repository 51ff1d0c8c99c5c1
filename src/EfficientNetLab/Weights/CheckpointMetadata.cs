using System.Text.Json;
using System.Text.Json.Nodes;
using EfficientNetLab.Imaging;

namespace EfficientNetLab.Weights;

/// <summary>
/// What a checkpoint says about itself, so that <c>--weights FILE</c> alone is enough to evaluate it: read from
/// safetensors <c>__metadata__</c>, from a JSON sidecar (<c>model.pth</c> → <c>model.json</c>), or from the
/// registry when the file is one of torchvision's.
/// </summary>
public sealed record CheckpointMetadata(
    string? Variant = null,
    int? NumClasses = null,
    IReadOnlyList<string>? ClassNames = null,
    EvalPreset? Preset = null,
    PublishedWeights? Published = null)
{
    public static readonly CheckpointMetadata Empty = new();

    /// <summary>Sidecar path for a checkpoint: same folder, same stem, <c>.json</c>.</summary>
    public static string SidecarPath(string checkpointPath) => Path.ChangeExtension(checkpointPath, ".json");

    /// <summary>Fields this one lacks are taken from <paramref name="fallback"/>.</summary>
    public CheckpointMetadata Or(CheckpointMetadata fallback) => new(
        Variant ?? fallback.Variant, NumClasses ?? fallback.NumClasses, ClassNames ?? fallback.ClassNames,
        Preset ?? fallback.Preset, Published ?? fallback.Published);

    public JsonObject ToJson()
    {
        var o = new JsonObject();
        if (Variant is not null) o["variant"] = Variant;
        if (NumClasses is not null) o["num_classes"] = NumClasses;
        if (ClassNames is not null) o["class_names"] = new JsonArray(ClassNames.Select(n => (JsonNode?)n).ToArray());
        if (Preset is not null) o["preset"] = Preset.ToJson();
        return o;
    }

    /// <summary>Writes the JSON sidecar next to a checkpoint.</summary>
    public void WriteSidecar(string checkpointPath) =>
        File.WriteAllText(SidecarPath(checkpointPath), ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Reads the sidecar of a checkpoint, or <see cref="Empty"/> when it has none.</summary>
    public static CheckpointMetadata ReadSidecar(string checkpointPath)
    {
        var path = SidecarPath(checkpointPath);
        if (!File.Exists(path)) return Empty;
        try
        {
            return FromJson(JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? new JsonObject());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException(path, $"its metadata sidecar is not valid JSON ({e.Message}).");
        }
    }

    /// <summary>safetensors keeps metadata as a string → string map; lists and presets are JSON inside the strings.</summary>
    public static CheckpointMetadata FromStringMap(IReadOnlyDictionary<string, string> map)
    {
        var o = new JsonObject();
        foreach (var (key, value) in map)
        {
            o[key] = key is "class_names" or "preset" or "num_classes" ? JsonNode.Parse(value) : value;
        }
        return FromJson(o);
    }

    public Dictionary<string, string> ToStringMap() =>
        ToJson().ToDictionary(kv => kv.Key, kv => kv.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : kv.Value!.ToJsonString());

    private static CheckpointMetadata FromJson(JsonObject o)
    {
        return new CheckpointMetadata(
            o["variant"]?.GetValue<string>(),
            o["num_classes"] is JsonNode n ? int.Parse(n.ToString()) : null,
            o["class_names"]?.AsArray().Select(v => v!.GetValue<string>()).ToArray(),
            o["preset"] is JsonObject p ? EvalPreset.FromJson(p) : null);
    }
}
