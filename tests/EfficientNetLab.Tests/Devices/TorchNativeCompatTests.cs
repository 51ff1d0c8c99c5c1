using System.Buffers.Binary;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using EfficientNetLab.Devices;
using TorchSharp;
using Xunit;

namespace EfficientNetLab.Tests.Devices;

public sealed class TorchNativeCompatTests : IDisposable
{
    const string Marker = "GLIBCXX_3.4.32";
    readonly string _dir = Directory.CreateTempSubdirectory("torch-native-compat-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Debian 12's GCC 12 libstdc++ defines GLIBCXX up to 3.4.30 and CXXABI up to 1.3.13; everything else is taken as present,
    // so the outcome does not depend on the libstdc++ of the machine running the tests.
    static bool Debian12(string file, string version)
    {
        if (file != "libstdc++.so.6")
            return true;
        static int Minor(string v, string prefix) => v.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(v[prefix.Length..], out var n) ? n : -1;
        return Minor(version, "GLIBCXX_3.4.") <= 30 && Minor(version, "CXXABI_1.3.") <= 13;
    }

    static string RealLibrary()
    {
        var asm = typeof(torch).Assembly;
        var version = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        var nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var asmDir = Path.GetDirectoryName(asm.Location)!;
        string[] candidates =
        [
            Path.Combine(nuget, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
            Path.Combine(asmDir, "libLibTorchSharp.so"),
            Path.Combine(asmDir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
        ];
        return candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException("libLibTorchSharp.so not found", candidates[0]);
    }

    /// <summary>
    /// A copy of the real library with the marker requirement strict again, i.e. as shipped, even when the source was
    /// already patched by an earlier EnsureLoadable on this machine.
    /// </summary>
    (string Path, byte[] Bytes, int FlagsOffset) PristineCopy()
    {
        var bytes = File.ReadAllBytes(RealLibrary());
        int flags = VernauxFlagsOffset(bytes, Marker);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(flags), 0);
        var path = Path.Combine(_dir, "libLibTorchSharp.so");
        File.WriteAllBytes(path, bytes);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return (path, bytes, flags);
    }

    // Deliberately minimal and separate from the production parser: section headers -> SHT_GNU_verneed -> Vernaux chain.
    static int I32(byte[] d, long at) => BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(checked((int)at)));
    static long I64(byte[] d, long at) => BinaryPrimitives.ReadInt64LittleEndian(d.AsSpan(checked((int)at)));

    /// <summary>File offsets of the .gnu.version_r section and of its string table.</summary>
    static (long Verneed, long Strtab) VerneedSection(byte[] d)
    {
        long shoff = I64(d, 0x28);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(0x3C));
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + 64L * i;
            if ((uint)I32(d, h + 4) == 0x6ffffffe)
                return (I64(d, h + 24), I64(d, shoff + 64L * I32(d, h + 40) + 24));
        }
        throw new InvalidDataException("no SHT_GNU_verneed section");
    }

    static int VernauxFlagsOffset(byte[] d, string version)
    {
        var (verneed, strtab) = VerneedSection(d);
        for (long vn = verneed; ; vn += I32(d, vn + 12))
        {
            for (long aux = vn + I32(d, vn + 8); ; aux += I32(d, aux + 12))
            {
                int name = checked((int)(strtab + I32(d, aux + 8)));
                if (Encoding.ASCII.GetString(d, name, Array.IndexOf(d, (byte)0, name) - name) == version)
                    return (int)aux + 4;
                if (I32(d, aux + 12) == 0)
                    break;
            }
            if (I32(d, vn + 12) == 0)
                throw new InvalidDataException($"{version} is not required by this file");
        }
    }

    static string? ReadElfVersions(string path)
    {
        try
        {
            var psi = new ProcessStartInfo("readelf", ["-V", "-W", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // binutils not installed; the byte-level assertions still hold
        }
    }

    [Fact]
    public void Patch_weakens_only_the_marker_requirement_and_keeps_every_other_byte()
    {
        var (path, before, flags) = PristineCopy();
        var mode = OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(path);

        Assert.True(TorchNativeCompat.PatchFile(path, out var detail, Debian12), detail);

        var after = File.ReadAllBytes(path);
        Assert.Contains(Marker, detail);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        Assert.Equal([flags], changed); // VER_FLG_WEAK = 0x2 lives in the low byte of vna_flags
        Assert.Equal(0x2, BinaryPrimitives.ReadUInt16LittleEndian(after.AsSpan(flags)));
        Assert.Single(Directory.GetFileSystemEntries(_dir)); // no temp file left behind
        if (!OperatingSystem.IsWindows())
            Assert.Equal(mode, File.GetUnixFileMode(path));

        if (ReadElfVersions(path) is { } readelf)
        {
            var weak = readelf.Split('\n').Where(l => l.Contains("Flags: WEAK")).ToArray();
            Assert.Single(weak);
            Assert.Contains($"Name: {Marker} ", weak[0]);
        }
    }

    [Fact]
    public void Patch_is_idempotent()
    {
        var (path, _, _) = PristineCopy();
        Assert.True(TorchNativeCompat.PatchFile(path, out _, Debian12));
        var once = File.ReadAllBytes(path);
        var stamp = File.GetLastWriteTimeUtc(path);

        Assert.False(TorchNativeCompat.PatchFile(path, out var detail, Debian12));

        Assert.Equal(once, File.ReadAllBytes(path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
        Assert.Contains($"already weak: {Marker}", detail);
    }

    [Fact]
    public void Patch_refuses_when_a_missing_version_is_really_used()
    {
        var (path, before, _) = PristineCopy();

        // GLIBC_2.34 backs relocated symbols (e.g. __libc_start_main): weakening would only defer the failure to a call.
        Assert.False(TorchNativeCompat.PatchFile(path, out var detail, (f, v) => Debian12(f, v) && v != "GLIBC_2.34"));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Contains("GLIBC_2.34", detail);
        Assert.Contains("left alone", detail);
    }

    [Fact]
    public void Patch_does_nothing_when_the_system_has_the_version()
    {
        var (path, before, _) = PristineCopy();

        Assert.False(TorchNativeCompat.PatchFile(path, out _, (_, _) => true));

        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData("text")]
    [InlineData("empty")]
    [InlineData("elf-header-only")]
    [InlineData("first-half")]
    [InlineData("all-but-last-byte")]
    [InlineData("section-table-offset-past-end")]
    [InlineData("verneed-chain-out-of-section")]
    public void Patch_leaves_malformed_files_alone(string kind)
    {
        var (path, real, _) = PristineCopy();
        byte[] bytes = kind switch
        {
            "text" => Encoding.UTF8.GetBytes("INPUT(libLibTorchSharp.so.1)\n"),
            "empty" => [],
            "elf-header-only" => real[..64],
            "first-half" => real[..(real.Length / 2)],
            "all-but-last-byte" => real[..^1],
            "section-table-offset-past-end" => WithU64(real, 0x28, (ulong)real.Length + 4096),
            "verneed-chain-out-of-section" => WithU32(real, (int)VerneedSection(real).Verneed + 12, 0xFFFFFFF0), // first vn_next
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        File.WriteAllBytes(path, bytes);

        Assert.False(TorchNativeCompat.PatchFile(path, out var detail, Debian12));

        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.False(string.IsNullOrWhiteSpace(detail));
    }

    static byte[] WithU64(byte[] src, int at, ulong value)
    {
        var copy = (byte[])src.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    static byte[] WithU32(byte[] src, int at, uint value)
    {
        var copy = (byte[])src.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    [Fact]
    public void EnsureLoadable_is_idempotent_and_lets_torch_load()
    {
        var first = TorchNativeCompat.EnsureLoadable();
        var second = TorchNativeCompat.EnsureLoadable();

        Assert.Same(first, second);
        Assert.Contains("TorchNativeCompat", TorchNativeCompat.Diagnose());
        if (OperatingSystem.IsLinux())
            Assert.Equal(2f, torch.ones(2).sum().item<float>());
    }
}
