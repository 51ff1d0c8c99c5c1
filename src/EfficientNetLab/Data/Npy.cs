using System.Text;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace EfficientNetLab.Data;

/// <summary>
/// NumPy's <c>.npy</c> format (versions 1–3), so inputs and logits move between this kit and Python users
/// with <c>np.load</c>/<c>np.save</c>. Reads float32/float64/int64/int32/uint8 C-order arrays; writes float32,
/// int64 and uint8.
/// </summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static Tensor Read(string path)
    {
        using var stream = File.OpenRead(path);
        try
        {
            return Read(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public static Tensor Read(Stream stream)
    {
        var reader = new BinaryReader(stream);
        var magic = reader.ReadBytes(6);
        if (!magic.AsSpan().SequenceEqual(Magic)) throw new InvalidDataException("not a .npy file (bad magic).");
        byte major = reader.ReadByte();
        reader.ReadByte();
        int headerLength = major == 1 ? reader.ReadUInt16() : (int)reader.ReadUInt32();
        var header = Encoding.Latin1.GetString(reader.ReadBytes(headerLength));

        var descr = DescrRegex().Match(header);
        var shapeMatch = ShapeRegex().Match(header);
        if (!descr.Success || !shapeMatch.Success) throw new InvalidDataException($"unreadable .npy header: {header.Trim()}");
        if (FortranRegex().Match(header) is { Success: true } f && f.Groups[1].Value == "True")
            throw new InvalidDataException("Fortran-order arrays are not supported; save with np.ascontiguousarray(x).");
        long[] shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(long.Parse).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);

        var (dtype, size) = descr.Groups[1].Value switch
        {
            "<f4" => (ScalarType.Float32, 4),
            "<f8" => (ScalarType.Float64, 8),
            "<i8" => (ScalarType.Int64, 8),
            "<i4" => (ScalarType.Int32, 4),
            "|u1" or "<u1" => (ScalarType.Byte, 1),
            var other => throw new InvalidDataException($"unsupported dtype '{other}' (use float32, float64, int64, int32 or uint8, little-endian)."),
        };
        var bytes = reader.ReadBytes(checked((int)(count * size)));
        if (bytes.Length != count * size)
            throw new InvalidDataException($"truncated: the header promises {count * size:N0} data bytes, the file has {bytes.Length:N0}.");
        var t = empty(shape, dtype);
        t.bytes = bytes;
        return t;
    }

    public static void Write(string path, Tensor tensor)
    {
        using var stream = File.Create(path);
        Write(stream, tensor);
    }

    public static void Write(Stream stream, Tensor tensor)
    {
        string descr = tensor.dtype switch
        {
            ScalarType.Float32 => "<f4",
            ScalarType.Int64 => "<i8",
            ScalarType.Byte => "|u1",
            var other => throw new ArgumentException($"Cannot write {other} to .npy; convert to float32 first.", nameof(tensor)),
        };
        using var cpu = tensor.cpu().contiguous();
        string shape = cpu.shape.Length == 1 ? $"({cpu.shape[0]},)" : "(" + string.Join(", ", cpu.shape) + ")";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        // Pad so that the data starts on a 64-byte boundary, as NumPy does; the header ends with '\n'.
        int total = Magic.Length + 2 + 2 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        var writer = new BinaryWriter(stream);
        writer.Write(Magic);
        writer.Write((byte)1);
        writer.Write((byte)0);
        writer.Write((ushort)header.Length);
        writer.Write(Encoding.Latin1.GetBytes(header));
        writer.Write(cpu.bytes);
        writer.Flush();
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();

    [GeneratedRegex(@"'fortran_order':\s*(True|False)")]
    private static partial Regex FortranRegex();
}
