using System.Runtime.InteropServices;

namespace EfficientNetLab.Imaging;

/// <summary>
/// The system's TurboJPEG library (Debian: <c>libturbojpeg0</c>), used when installed. It is the libjpeg-turbo
/// that PIL links (same version on Debian 12, same default islow IDCT and fancy upsampling, so the same pixels),
/// built with its SIMD code — SkiaSharp's bundled copy is built without it (jsimd_none.c) and decodes about half
/// as fast. Only YCbCr, RGB and grayscale files are taken; everything else goes to Skia.
/// </summary>
internal static unsafe class TurboJpeg
{
    private const int PixelFormatRgbx = 2;  // TJPF_RGBX
    private const int ColorspaceCmyk = 3, ColorspaceYcck = 4;

    private static readonly delegate* unmanaged<nint> initDecompress;
    private static readonly delegate* unmanaged<nint, byte*, CULong, int*, int*, int*, int*, int> decompressHeader3;
    private static readonly delegate* unmanaged<nint, byte*, CULong, byte*, int, int, int, int, int, int> decompress2;
    private static readonly delegate* unmanaged<nint, int> destroy;

    public static bool IsAvailable { get; }

    static TurboJpeg()
    {
        foreach (var name in new[] { "libturbojpeg.so.0", "libturbojpeg.0.dylib", "turbojpeg" })
        {
            if (!NativeLibrary.TryLoad(name, typeof(TurboJpeg).Assembly, null, out var lib)) continue;
            initDecompress = (delegate* unmanaged<nint>)NativeLibrary.GetExport(lib, "tjInitDecompress");
            decompressHeader3 = (delegate* unmanaged<nint, byte*, CULong, int*, int*, int*, int*, int>)NativeLibrary.GetExport(lib, "tjDecompressHeader3");
            decompress2 = (delegate* unmanaged<nint, byte*, CULong, byte*, int, int, int, int, int, int>)NativeLibrary.GetExport(lib, "tjDecompress2");
            destroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(lib, "tjDestroy");
            IsAvailable = true;
            return;
        }
    }

    /// <summary>A decompressor: TurboJPEG handles are not thread-safe, so each scratch owns one.</summary>
    internal sealed class Handle : SafeHandle
    {
        public Handle() : base(0, ownsHandle: true) => SetHandle(initDecompress());

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle() => destroy(handle) == 0;
    }

    /// <summary>
    /// Decodes <paramref name="jpeg"/> into <paramref name="target"/>, or returns false for anything it should not
    /// judge: not a JPEG, CMYK/YCCK, a corrupt header, or a libjpeg error or warning (truncation, corrupt data) —
    /// Skia then decodes the file and reports problems as before.
    /// </summary>
    public static bool TryDecode(Handle decompressor, ReadOnlySpan<byte> jpeg, RgbxBuffer target, string path, long maxPixels)
    {
        if (jpeg.Length < 3 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 || jpeg[2] != 0xFF) return false;
        nint h = decompressor.DangerousGetHandle();
        fixed (byte* src = jpeg)
        {
            int width, height, subsampling, colorspace;
            if (decompressHeader3(h, src, new CULong((nuint)jpeg.Length), &width, &height, &subsampling, &colorspace) != 0) return false;
            if (colorspace is ColorspaceCmyk or ColorspaceYcck) return false;
            ImageDecoder.CheckSize(path, width, height, maxPixels);
            target.Reset(width, height);
            fixed (byte* dst = target.Data)
                return decompress2(h, src, new CULong((nuint)jpeg.Length), dst, width, target.Stride, height, PixelFormatRgbx, 0) == 0;
        }
    }
}
