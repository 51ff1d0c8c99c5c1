using System.Collections;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using EfficientNetLab.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace EfficientNetLab.Weights;

/// <summary>
/// Reads PyTorch state dicts (<c>torch.save</c> zip format) and safetensors files, checks them against a model
/// key by key, and loads them. Every failure names the file and says what to do.
/// </summary>
public static class Checkpoint
{
    /// <summary>
    /// Builds the model a checkpoint describes and loads it, in eval mode. The variant comes from
    /// <paramref name="variant"/>, else the checkpoint's metadata, else the registry (torchvision file names);
    /// the class count from the classifier's shape.
    /// </summary>
    public static EfficientNet Load(string path, string? variant = null)
    {
        using var sd = Read(path);
        return Build(sd, variant);
    }

    /// <summary>Builds and loads the model a state dict describes (see <see cref="Load"/>).</summary>
    public static EfficientNet Build(StateDict sd, string? variant = null)
    {
        var path = sd.Path;
        var name = variant ?? sd.Metadata.Variant ?? throw new CheckpointException(path,
            "the variant is unknown: pass --model (b0…b7, v2_s, v2_m, v2_l), or add it to the checkpoint's metadata " +
            $"(a JSON sidecar {Path.GetFileName(CheckpointMetadata.SidecarPath(path))} with {{\"variant\": \"b0\"}}).");
        var model = new EfficientNet(EfficientNetVariants.Get(name), sd.NumClasses ?? 1000);
        try
        {
            LoadInto(model, sd);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    /// <summary>Reads a checkpoint file into memory (CPU tensors) with whatever metadata it carries.</summary>
    public static StateDict Read(string path)
    {
        if (Directory.Exists(path)) throw new CheckpointException(path, "is a directory, not a checkpoint file.");
        if (!File.Exists(path)) throw new CheckpointException(path, "file not found.");
        var format = DetectFormat(path);
        var metadata = CheckpointMetadata.ReadSidecar(path);
        Dictionary<string, Tensor> tensors = format switch
        {
            CheckpointFormat.PyTorchZip => ReadPyTorchZip(path),
            CheckpointFormat.Safetensors => ReadSafetensors(path, ref metadata),
            CheckpointFormat.PyTorchLegacy => throw new CheckpointException(path,
                "is in PyTorch's legacy (pre-1.6, non-zip) format, which TorchSharp cannot read. Re-save it in Python: " +
                "torch.save(torch.load(f), f2) writes the zip format."),
            _ => throw new CheckpointException(path, $"is not a PyTorch or safetensors checkpoint ({Describe(path)})."),
        };
        var published = CheckpointRegistry.FindByFileName(path);
        if (published is not null)
            metadata = metadata.Or(new CheckpointMetadata(published.Variant, 1000, ImageNetClasses.Names, published.Preset, published));
        return new StateDict(path, tensors, metadata);
    }

    /// <summary>
    /// Copies a state dict into a model after checking every key and shape; on any mismatch nothing is copied
    /// and the error lists the missing, unexpected and wrong-shape keys.
    /// </summary>
    public static void LoadInto(EfficientNet model, StateDict stateDict)
    {
        var expected = model.state_dict();
        var source = stateDict.Tensors;
        var missing = expected.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var wrongShape = expected.Keys.Where(source.ContainsKey)
            .Where(k => !expected[k].shape.SequenceEqual(source[k].shape))
            .Select(k => $"{k}: checkpoint {Shape(source[k])}, model {Shape(expected[k])}").ToList();
        if (missing.Count + unexpected.Count + wrongShape.Count > 0)
            throw new CheckpointException(stateDict.Path, MismatchReport(model, stateDict, missing, unexpected, wrongShape));

        using var _ = no_grad();
        foreach (var (key, target) in expected)
        {
            var value = source[key];
            if (value.dtype != target.dtype && !(value.is_floating_point() && target.is_floating_point()))
                throw new CheckpointException(stateDict.Path, $"key {key} has dtype {value.dtype}, the model expects {target.dtype}.");
            target.copy_(value);
        }
    }

    private static string MismatchReport(EfficientNet model, StateDict sd, List<string> missing, List<string> unexpected, List<string> wrongShape)
    {
        static string List(string title, List<string> keys) => keys.Count == 0 ? "" :
            $"\n  {keys.Count} {title}: {string.Join(", ", keys.Take(8))}{(keys.Count > 8 ? $", … ({keys.Count - 8} more)" : "")}";
        var hint = sd.Tensors.Count > 0 && missing.Count == model.state_dict().Count
            ? "\n  No key matches: is this an EfficientNet state dict with torchvision's key names (features.*, classifier.*)? " +
              "A wrapped checkpoint should be unwrapped first (e.g. checkpoint['model'])."
            : "\n  Is it a checkpoint of another variant? Pass the right --model.";
        return $"does not match efficientnet_{model.Variant.Name} ({model.NumClasses} classes)." +
               List("missing keys", missing) + List("unexpected keys", unexpected) + List("wrong shapes", wrongShape) + hint;
    }

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";

    internal enum CheckpointFormat { Unknown, PyTorchZip, PyTorchLegacy, Safetensors }

    internal static CheckpointFormat DetectFormat(string path)
    {
        Span<byte> head = stackalloc byte[16];
        int n;
        using (var f = File.OpenRead(path)) n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return CheckpointFormat.PyTorchZip;
        // torch's legacy format begins with a pickled magic number (protocol 2: 0x80 0x02, LONG1 0x8a).
        if (n >= 3 && head[0] == 0x80 && head[1] <= 5 && head[2] == 0x8a) return CheckpointFormat.PyTorchLegacy;
        if (n >= 9 && head[8] == '{')
        {
            ulong headerLength = BitConverter.ToUInt64(head[..8]);
            if (headerLength < (ulong)new FileInfo(path).Length) return CheckpointFormat.Safetensors;
        }
        return CheckpointFormat.Unknown;
    }

    private static string Describe(string path)
    {
        var info = new FileInfo(path);
        if (info.Length == 0) return "the file is empty";
        var head = new byte[Math.Min(48, info.Length)];
        using (var f = info.OpenRead()) f.ReadExactly(head);
        var text = new string(Encoding.ASCII.GetString(head).Select(c => c is >= ' ' and <= '~' ? c : '.').ToArray());
        return $"{info.Length:N0} bytes starting with \"{text}\"";
    }

    private static Dictionary<string, Tensor> ReadPyTorchZip(string path)
    {
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new CheckpointException(path, $"the zip archive is damaged or truncated ({e.Message}). Download it again.", e);
        }
        catch (Exception e)
        {
            var pickled = PickledClassName(path);
            if (pickled is not null)
                throw new CheckpointException(path,
                    $"holds a whole pickled model ({pickled}), not a state dict. In Python, save " +
                    "torch.save(model.state_dict(), path) instead.", e);
            throw new CheckpointException(path, $"could not be read as a PyTorch state dict ({e.GetType().Name}: {e.Message}).", e);
        }
        return Unwrap(path, table);
    }

    /// <summary>Training scripts often save {"model": state_dict, "optimizer": …}; accept the common wrappers like timm does.</summary>
    private static Dictionary<string, Tensor> Unwrap(string path, IDictionary table)
    {
        foreach (var wrapper in new[] { "state_dict", "model", "model_ema", "state_dict_ema" })
        {
            if (table[wrapper] is IDictionary inner) return Unwrap(path, inner);
        }
        var result = new Dictionary<string, Tensor>(table.Count);
        foreach (DictionaryEntry e in table)
        {
            if (e.Value is not Tensor t)
                throw new CheckpointException(path, $"entry '{e.Key}' is a {e.Value?.GetType().Name ?? "null"}, not a tensor: not a state dict.");
            // "module." comes from saving a DataParallel/DDP wrapper; the weights are the same.
            var key = ((string)e.Key).StartsWith("module.", StringComparison.Ordinal) ? ((string)e.Key)[7..] : (string)e.Key;
            result[key] = t;
        }
        return result;
    }

    /// <summary>The class a pickled object was saved from, when it is not a plain dict.</summary>
    private static string? PickledClassName(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var entry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
            if (entry is null) return null;
            using var s = entry.Open();
            var head = new byte[256];
            int n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            // Protocol 2 pickles open with GLOBAL "module\nname\n" for a class instance; state dicts open with
            // collections.OrderedDict.
            int start = Array.IndexOf(head, (byte)'c', 0, n);
            if (start < 0) return null;
            var parts = Encoding.ASCII.GetString(head, start + 1, n - start - 1).Split('\n');
            if (parts.Length < 2) return null;
            var cls = parts[0] + "." + parts[1];
            return cls == "collections.OrderedDict" ? null : cls;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static Dictionary<string, Tensor> ReadSafetensors(string path, ref CheckpointMetadata metadata)
    {
        try
        {
            metadata = SafetensorsMetadata(path).Or(metadata);
            return Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException(path, $"is not a valid safetensors file ({e.Message}).", e);
        }
    }

    private static CheckpointMetadata SafetensorsMetadata(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        f.ReadExactly(lengthBytes);
        long length = (long)BitConverter.ToUInt64(lengthBytes);
        if (length <= 0 || length > 100_000_000 || length > f.Length - 8)
            throw new CheckpointException(path, $"safetensors header length {length} does not fit the file: truncated or not safetensors.");
        var header = new byte[length];
        f.ReadExactly(header);
        using var doc = JsonDocument.Parse(header);
        if (!doc.RootElement.TryGetProperty("__metadata__", out var meta)) return CheckpointMetadata.Empty;
        var map = meta.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        return CheckpointMetadata.FromStringMap(map);
    }
}

/// <summary>Tensors read from a checkpoint, with the metadata that came with them. Dispose to free them.</summary>
public sealed class StateDict(string path, Dictionary<string, Tensor> tensors, CheckpointMetadata metadata) : IDisposable
{
    public string Path { get; } = path;
    public IReadOnlyDictionary<string, Tensor> Tensors { get; } = tensors;
    public CheckpointMetadata Metadata { get; } = metadata;

    /// <summary>The classifier's output size, when the state dict has one.</summary>
    public int? NumClasses => Tensors.TryGetValue("classifier.1.weight", out var w) ? (int)w.shape[0] : Metadata.NumClasses;

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
