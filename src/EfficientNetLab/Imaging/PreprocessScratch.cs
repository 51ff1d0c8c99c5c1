using System.Diagnostics;

namespace EfficientNetLab.Imaging;

/// <summary>
/// One worker's reusable state for decoding and preprocessing: the file bytes, decoded and intermediate images,
/// resampling coefficient tables and a JPEG decompressor. After the first few images a worker allocates nothing
/// per image. Not thread-safe: give each thread its own (the overloads without one use a per-thread instance).
/// </summary>
public sealed class PreprocessScratch : IDisposable
{
    [ThreadStatic] private static PreprocessScratch? perThread;

    /// <summary>The calling thread's instance, for callers that do not manage their own.</summary>
    internal static PreprocessScratch ForCurrentThread => perThread ??= new PreprocessScratch();

    private byte[] fileBytes = [];
    private byte[] interleaved = [];
    private TurboJpeg.Handle? turboJpeg;
    private readonly Dictionary<(int, int, Interpolation), ResampleCoefficients> coefficients = [];

    internal RgbxBuffer Decoded { get; private set; } = new();
    internal RgbxBuffer Spare { get; private set; } = new();
    internal RgbxBuffer Horizontal { get; } = new();
    internal RgbxBuffer Cropped { get; } = new();

    /// <summary>Time spent per stage since construction or <see cref="ResetTimes"/>.</summary>
    public StageTimes Times { get; private set; }

    internal TurboJpeg.Handle TurboJpegDecompressor => turboJpeg ??= new TurboJpeg.Handle();

    /// <summary>Reads a whole file into the reused byte buffer.</summary>
    internal ReadOnlySpan<byte> ReadFile(string path)
    {
        using var handle = File.OpenHandle(path);
        long length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength) throw new ImageDecodeException(path, $"is {length:N0} bytes, too large to decode.");
        if (fileBytes.Length < length) fileBytes = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, length + length / 4));
        int read = 0;
        while (read < length)
        {
            int n = RandomAccess.Read(handle, fileBytes.AsSpan(read, (int)length - read), read);
            if (n == 0) break;
            read += n;
        }
        return fileBytes.AsSpan(0, read);
    }

    /// <summary>The resampler's block of four interleaved source rows.</summary>
    internal byte[] Interleaved(int bytes) => interleaved.Length >= bytes ? interleaved : interleaved = new byte[bytes + bytes / 4];

    /// <summary>Makes <see cref="Spare"/> the decoded image (after an orientation was written into it).</summary>
    internal void SwapDecoded() => (Decoded, Spare) = (Spare, Decoded);

    /// <summary>Pillow's coefficients for one axis, computed once per (input size, output size, filter).</summary>
    internal ResampleCoefficients Coefficients(int inSize, int outSize, Interpolation interpolation)
    {
        var key = (inSize, outSize, interpolation);
        if (coefficients.TryGetValue(key, out var table)) return table;
        // Data sets with many sizes would grow the cache without bound; a full one starts over.
        if (coefficients.Count >= 256) coefficients.Clear();
        return coefficients[key] = new ResampleCoefficients(inSize, outSize, interpolation);
    }

    internal void AddTimes(long decodeTicks, long resizeTicks, long normalizeTicks) =>
        Times = new StageTimes(Times.Images + 1, Times.DecodeTicks + decodeTicks, Times.ResizeTicks + resizeTicks,
            Times.NormalizeTicks + normalizeTicks);

    public void ResetTimes() => Times = default;

    public void Dispose()
    {
        turboJpeg?.Dispose();
        turboJpeg = null;
    }
}

/// <summary>Accumulated time per preprocessing stage, in <see cref="Stopwatch"/> ticks.</summary>
public readonly record struct StageTimes(int Images, long DecodeTicks, long ResizeTicks, long NormalizeTicks)
{
    public TimeSpan Decode => Stopwatch.GetElapsedTime(0, DecodeTicks);
    public TimeSpan Resize => Stopwatch.GetElapsedTime(0, ResizeTicks);
    public TimeSpan Normalize => Stopwatch.GetElapsedTime(0, NormalizeTicks);

    public static StageTimes operator +(StageTimes a, StageTimes b) => new(a.Images + b.Images,
        a.DecodeTicks + b.DecodeTicks, a.ResizeTicks + b.ResizeTicks, a.NormalizeTicks + b.NormalizeTicks);
}
