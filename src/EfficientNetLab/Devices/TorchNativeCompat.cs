using System.Buffers.Binary;
using System.Reflection;
using System.Text;

namespace EfficientNetLab.Devices;

/// <summary>
/// Makes TorchSharp's prebuilt native shim loadable on distributions whose libstdc++ is older than the toolchain
/// that built it. Call <see cref="EnsureLoadable"/> before the first use of <c>TorchSharp.torch</c>.
/// </summary>
/// <remarks>
/// libLibTorchSharp.so (TorchSharp 0.107) was linked by GCC 13, whose &lt;iostream&gt; plants an undefined reference to
/// <c>std::ios_base_library_init@GLIBCXX_3.4.32</c> purely as a marker: no relocation ever binds it. The version
/// requirement alone makes ld.so reject the file on e.g. Debian 12 (libstdc++ up to GLIBCXX_3.4.30), and because
/// that surfaces as a TypeInitializationException of <c>torch</c>, the process cannot recover afterwards.
/// Setting VER_FLG_WEAK on such a requirement turns ld.so's hard error into nothing while every symbol that is
/// really bound keeps its strict version check. Only requirements that no relocation depends on are weakened;
/// anything else would merely move the failure to a call site, so it is reported instead.
/// </remarks>
public static class TorchNativeCompat
{
    const string LibName = "libLibTorchSharp.so";
    const uint ShtRela = 4, ShtDynsym = 11, ShtRel = 9;
    const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    const ushort VerFlgWeak = 0x2;

    static readonly object Gate = new();
    static IReadOnlyList<string>? _patched;
    static string _report = "";
    // Version sets of the libraries that will satisfy requirements, keyed by soname; null = provider not found.
    static readonly Dictionary<string, HashSet<string>?> Provided = new(StringComparer.Ordinal);

    /// <summary>
    /// Weakens unsatisfiable, relocation-free version requirements in every copy of libLibTorchSharp.so that
    /// TorchSharp may load. Runs once per process; later calls return the first result.
    /// </summary>
    /// <returns>Files that were rewritten (empty when nothing needed patching or not on Linux).</returns>
    public static IReadOnlyList<string> EnsureLoadable()
    {
        if (Volatile.Read(ref _patched) is { } done)
            return done;
        lock (Gate)
        {
            if (_patched is not null)
                return _patched;
            var patched = new List<string>();
            var report = new StringBuilder();
            if (!OperatingSystem.IsLinux())
                report.Append("not Linux: nothing to do.");
            else
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var dir in CandidateDirectories())
                {
                    string? file = Resolve(dir);
                    if (file is null || !seen.Add(file))
                        continue;
                    string detail;
                    try
                    {
                        if (PatchFile(file, out detail))
                            patched.Add(file);
                    }
                    catch (Exception e)
                    {
                        // Best effort by design: an unforeseen failure must not be worse than not patching.
                        detail = $"skipped ({e.GetType().Name}: {e.Message})";
                    }
                    report.Append(file).Append(": ").AppendLine(detail);
                }
                if (seen.Count == 0)
                    report.AppendLine($"no {LibName} found next to the app, the TorchSharp assembly or in the NuGet cache.");
            }
            _report = report.ToString().TrimEnd();
            Volatile.Write(ref _patched, patched.AsReadOnly());
            return _patched;
        }
    }

    /// <summary>
    /// Human-readable account of what each copy of libLibTorchSharp.so required and what was done. Runs
    /// <see cref="EnsureLoadable"/> if it has not run, so calling this from a failure handler also repairs the files
    /// for the next process start.
    /// </summary>
    public static string Diagnose()
    {
        EnsureLoadable();
        var loaded = OperatingSystem.IsLinux() ? MappedLibraries().FirstOrDefault(p => Path.GetFileName(p) == LibName) : null;
        // A copy that was already mapped before patching stays in memory unpatched; say so, it explains a failure.
        return $"TorchNativeCompat: {_report}{Environment.NewLine}" +
               (loaded is null ? $"{LibName} is not loaded in this process yet." : $"{LibName} is loaded from {loaded}.");
    }

    static string? Resolve(string dir)
    {
        try
        {
            var info = new FileInfo(Path.Combine(dir, LibName));
            if (!info.Exists)
                return null;
            // Patch the real file: renaming over a symlink would replace the link, not its target.
            return (info.LinkTarget is null ? info : info.ResolveLinkTarget(true) ?? info).FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Directories TorchSharp 0.107 may load libLibTorchSharp.so from (see src/TorchSharp/Torch.cs, LoadNativeBackend).</summary>
    static IEnumerable<string> CandidateDirectories()
    {
        var rid = Path.Combine("runtimes", "linux-x64", "native");
        yield return AppContext.BaseDirectory;
        yield return Path.Combine(AppContext.BaseDirectory, rid);
        // The host's own native probe list (deps.json assets); NativeLibrary.TryLoad(name, assembly) searches it first.
        foreach (var d in SplitPaths(AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string))
            yield return d;
        // dlopen by bare name, the last resort of NativeLibrary probing, honours LD_LIBRARY_PATH.
        foreach (var d in SplitPaths(Environment.GetEnvironmentVariable("LD_LIBRARY_PATH")))
            yield return d;

        var asm = TorchSharpAssembly();
        var loc = string.IsNullOrEmpty(asm?.Location) ? null : Path.GetDirectoryName(asm.Location);
        if (asm is null || loc is null)
            yield break;
        yield return loc;
        yield return Path.Combine(loc, rid);
        // After a failed regular load TorchSharp copies the natives of the torchsharp and libtorch packages into
        // <TorchSharp.dll dir>/cpu or /cuda-<ver> and loads from there; an earlier failed run leaves unpatched copies.
        yield return Path.Combine(loc, "cpu");
        foreach (var d in SafeDirectories(loc, "cuda-*"))
            yield return d;

        // Package roots, in TorchSharp's order: the NuGet cache holding TorchSharp.dll itself
        // (<packages>/torchsharp/<ver>/lib/<tfm>/, the .NET Interactive "#r nuget" case), then NUGET_PACKAGES or ~/.nuget/packages.
        if (loc.Contains("torchsharp", StringComparison.Ordinal) && loc.Contains("lib", StringComparison.Ordinal))
            yield return Path.GetFullPath(Path.Combine(loc, "..", "..", rid));
        var nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(nuget))
            nuget = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        yield return Path.Combine(nuget, "torchsharp", PackageVersion(asm), rid);
    }

    static Assembly? TorchSharpAssembly()
    {
        try { return TorchSharpAssemblyCore(); }
        catch (Exception e) when (e is IOException or BadImageFormatException) { return null; } // nothing to patch for then
    }

    // Separate and not inlined: a missing TorchSharp.dll surfaces when this method is JIT-compiled, not inside it.
    // typeof does not run torch's static constructor, which is what would trigger the native load.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static Assembly TorchSharpAssemblyCore() => typeof(TorchSharp.torch).Assembly;

    // NuGet folder names are the normalized, lower-case package version ("0.107.0"), matching TorchSharp's NormalizeNuGetVersion.
    static string PackageVersion(Assembly asm)
    {
        var info = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(info))
            return asm.GetName().Version?.ToString(3) ?? "";
        var v = info.Split('+')[0];
        var dash = v.IndexOf('-');
        var parts = (dash < 0 ? v : v[..dash]).Split('.');
        if (parts.Length == 4 && parts[3] == "0")
            parts = parts[..3];
        return (string.Join('.', parts) + (dash < 0 ? "" : v[dash..])).ToLowerInvariant();
    }

    static IEnumerable<string> SplitPaths(string? list) =>
        (list ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    static string[] SafeDirectories(string dir, string pattern)
    {
        try { return Directory.GetDirectories(dir, pattern); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>
    /// Weakens the requirements of <paramref name="path"/> that <paramref name="isSatisfied"/> rejects (default: the
    /// version definitions of the libstdc++/libc/... this process uses) and that no relocation depends on.
    /// Leaves the file untouched when it is not a sound ELF64 LE file, when a rejected requirement is really used,
    /// or when it is not writable; <paramref name="detail"/> says which.
    /// </summary>
    /// <returns>true when the file was rewritten.</returns>
    internal static bool PatchFile(string path, out string detail, Func<string, string, bool>? isSatisfied = null)
    {
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            detail = $"unreadable ({e.Message})";
            return false;
        }

        List<int> flagOffsets;
        try { flagOffsets = PlanPatch(data, isSatisfied ?? IsProvidedBySystem, out detail); }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException or InvalidDataException)
        {
            // Also what a file still being copied (section headers sit at its end) looks like.
            detail = $"not a well-formed ELF64 LE file ({e.Message}); left alone";
            return false;
        }
        if (flagOffsets.Count == 0)
            return false;

        foreach (var off in flagOffsets)
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(off), (ushort)(U16(data, off) | VerFlgWeak));
        try
        {
            ReplaceAtomically(path, data);
            detail += "; marked weak";
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            detail += $"; NOT patched: location not writable ({e.Message})";
            return false;
        }
    }

    // Writers race with loaders (other processes, TorchSharp's copy step): rename(2) makes them see the old or the
    // new file, never a torn one, and mappings of the old inode stay valid.
    static void ReplaceAtomically(string path, byte[] data)
    {
        var tmp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(data);
                fs.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(tmp, File.GetUnixFileMode(path));
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            try { File.Delete(tmp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>Offsets of the vna_flags fields to set weak; empty when nothing is needed or nothing safe can be done.</summary>
    static List<int> PlanPatch(byte[] d, Func<string, string, bool> isSatisfied, out string detail)
    {
        var secs = Sections(d);
        var verneedIdx = Array.FindIndex(secs, s => s.Type == ShtGnuVerneed);
        if (verneedIdx < 0)
        {
            detail = "no version requirements";
            return [];
        }
        var verneed = secs[verneedIdx];
        var strtab = secs[Check(verneed.Link, secs.Length)];

        // Version index -> names of the dynamic symbols carrying it, and whether any of them is ever relocated.
        var dynsymIdx = Array.FindIndex(secs, s => s.Type == ShtDynsym);
        var symsByVersion = new Dictionary<int, List<string>>();
        var relocatedVersions = new HashSet<int>();
        var versym = Array.Find(secs, s => s.Type == ShtGnuVersym);
        if (dynsymIdx >= 0 && versym.Size > 0)
        {
            var dynsym = secs[dynsymIdx];
            var dynstr = secs[Check(dynsym.Link, secs.Length)];
            long count = Math.Min(dynsym.Size / 24, versym.Size / 2);
            var versionOfSym = new int[count];
            for (int i = 0; i < count; i++)
            {
                int ver = U16(d, Within(versym, i * 2L, 2)) & 0x7fff;
                versionOfSym[i] = ver;
                if (ver > 1)
                    (symsByVersion.TryGetValue(ver, out var l) ? l : symsByVersion[ver] = []).Add(Str(d, dynstr, U32(d, Within(dynsym, i * 24L, 24))));
            }
            foreach (var rel in secs.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsymIdx))
            {
                long entSize = rel.Type == ShtRela ? 24 : 16;
                for (long off = 0; off + entSize <= rel.Size; off += entSize)
                {
                    long sym = (long)(U64(d, Within(rel, off + 8, 8)) >> 32);
                    if (sym > 0 && sym < count)
                        relocatedVersions.Add(versionOfSym[sym]);
                }
            }
        }

        var plan = new List<int>();
        var weakened = new List<string>();
        var blocking = new List<string>();
        var alreadyWeak = new List<string>();
        long vn = 0;
        for (int i = 0, n = (int)Math.Min(verneed.Info == 0 ? 1024 : verneed.Info, 1024); i < n; i++)
        {
            int vnAt = Within(verneed, vn, 16);
            string file = Str(d, strtab, U32(d, vnAt + 4));
            long aux = vn + U32(d, vnAt + 8);
            for (int j = 0, cnt = U16(d, vnAt + 2); j < cnt; j++)
            {
                int auxAt = Within(verneed, aux, 16);
                ushort flags = U16(d, auxAt + 4);
                int index = U16(d, auxAt + 6) & 0x7fff;
                string name = Str(d, strtab, U32(d, auxAt + 8));
                if ((flags & VerFlgWeak) != 0)
                    alreadyWeak.Add(name);
                else if (!isSatisfied(file, name))
                {
                    var syms = symsByVersion.TryGetValue(index, out var l) ? string.Join(", ", l) : "no symbols";
                    if (relocatedVersions.Contains(index))
                        blocking.Add($"{name} from {file} (used by relocated {syms})");
                    else
                    {
                        plan.Add(auxAt + 4);
                        weakened.Add($"{name} from {file} ({syms}, never relocated)");
                    }
                }
                uint next = U32(d, auxAt + 12);
                if (next == 0)
                    break;
                aux += next;
            }
            uint vnNext = U32(d, vnAt + 12);
            if (vnNext == 0)
                break;
            vn += vnNext;
        }

        if (blocking.Count > 0)
        {
            // Weakening the rest would not make the library loadable; keep the file pristine and say why.
            detail = $"requires {string.Join("; ", blocking.Concat(weakened))}; cannot be fixed by weakening, left alone";
            return [];
        }
        var weakNote = alreadyWeak.Count == 0 ? "" : $" (already weak: {string.Join(", ", alreadyWeak)})";
        detail = (plan.Count == 0 ? "all strict version requirements satisfied" : $"requires {string.Join("; ", weakened)}") + weakNote;
        return plan;
    }

    readonly record struct Section(uint Type, long Offset, long Size, uint Link, uint Info);

    static Section[] Sections(byte[] d)
    {
        if (d.Length < 64 || d[0] != 0x7f || d[1] != (byte)'E' || d[2] != (byte)'L' || d[3] != (byte)'F')
            throw new InvalidDataException("no ELF magic");
        if (d[4] != 2 || d[5] != 1)
            throw new InvalidDataException("not ELF64 little-endian");
        long shoff = checked((long)U64(d, 0x28));
        int shentsize = U16(d, 0x3A), shnum = U16(d, 0x3C);
        if (shentsize != 64 || shnum == 0 || shoff <= 0 || shoff + 64L * shnum > d.Length)
            throw new InvalidDataException("section header table missing or truncated");
        var secs = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            int h = checked((int)(shoff + 64L * i));
            var s = new Section(U32(d, h + 4), checked((long)U64(d, h + 24)), checked((long)U64(d, h + 32)), U32(d, h + 40), U32(d, h + 44));
            const uint ShtNobits = 8;
            if (s.Type != ShtNobits && (s.Offset > d.Length || s.Size > d.Length - s.Offset))
                throw new InvalidDataException($"section {i} extends past end of file");
            secs[i] = s;
        }
        return secs;
    }

    static int Check(uint index, int count) =>
        index < count ? (int)index : throw new InvalidDataException($"section link {index} out of range");

    static int Within(Section s, long rel, int len) =>
        rel >= 0 && rel + len <= s.Size ? checked((int)(s.Offset + rel)) : throw new InvalidDataException("entry outside its section");

    static string Str(byte[] d, Section strtab, uint rel)
    {
        int start = Within(strtab, rel, 1);
        int end = Array.IndexOf(d, (byte)0, start, (int)(strtab.Offset + strtab.Size - start));
        return end < 0 ? throw new InvalidDataException("unterminated string") : Encoding.UTF8.GetString(d, start, end - start);
    }

    static ushort U16(byte[] d, int at) => BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(at, 2));
    static uint U32(byte[] d, int at) => BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(at, 4));
    static ulong U64(byte[] d, int at) => BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(at, 8));

    /// <summary>Whether the library this process binds <paramref name="soname"/> to defines <paramref name="version"/>.</summary>
    static bool IsProvidedBySystem(string soname, string version)
    {
        HashSet<string>? defined;
        lock (Provided)
        {
            if (!Provided.TryGetValue(soname, out defined))
                Provided[soname] = defined = LoadVersionDefinitions(soname);
        }
        // Unknown provider: we cannot tell, and guessing would rewrite files on healthy systems.
        return defined is null || defined.Contains(version);
    }

    static HashSet<string>? LoadVersionDefinitions(string soname)
    {
        // A soname already mapped (the runtime itself links libstdc++) is what ld.so will reuse; else search like it would.
        var arch = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64
            ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        var candidates = MappedLibraries().Where(p => Path.GetFileName(p) == soname)
            .Concat(SplitPaths(Environment.GetEnvironmentVariable("LD_LIBRARY_PATH")).Select(dir => Path.Combine(dir, soname)))
            .Concat(new[] { $"/lib/{arch}", $"/usr/lib/{arch}", "/lib64", "/usr/lib64", "/lib", "/usr/lib" }.Select(dir => Path.Combine(dir, soname)));
        foreach (var file in candidates)
        {
            try
            {
                if (!File.Exists(file))
                    continue;
                var d = File.ReadAllBytes(file);
                var secs = Sections(d);
                var verdef = Array.Find(secs, s => s.Type == ShtGnuVerdef);
                if (verdef.Size == 0)
                    continue;
                var strtab = secs[Check(verdef.Link, secs.Length)];
                var names = new HashSet<string>(StringComparer.Ordinal);
                long vd = 0;
                for (int i = 0; i < 4096; i++)
                {
                    int at = Within(verdef, vd, 20);
                    long aux = vd + U32(d, at + 12);
                    for (int j = 0, cnt = U16(d, at + 6); j < cnt; j++)
                    {
                        int auxAt = Within(verdef, aux, 8);
                        names.Add(Str(d, strtab, U32(d, auxAt)));
                        uint next = U32(d, auxAt + 4);
                        if (next == 0)
                            break;
                        aux += next;
                    }
                    uint vdNext = U32(d, at + 16);
                    if (vdNext == 0)
                        break;
                    vd += vdNext;
                }
                return names;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException
                                          or OverflowException or InvalidDataException)
            {
            }
        }
        return null;
    }

    static IEnumerable<string> MappedLibraries()
    {
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/maps"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
        // Format: address perms offset dev inode pathname; pathname is the rest of the line and may contain spaces.
        return lines.Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..] : null)
            .OfType<string>().Where(p => p.Contains(".so", StringComparison.Ordinal)).Distinct();
    }
}
