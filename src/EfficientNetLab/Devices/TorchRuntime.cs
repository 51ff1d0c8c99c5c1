using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EfficientNetLab.Devices;

/// <summary>
/// Puts the process in a state where TorchSharp loads and computes correctly. Runs automatically when the
/// EfficientNetLab assembly is first used (module initializer); call <see cref="Initialize"/> explicitly before
/// touching <c>torch</c> directly if your code might do so first.
/// </summary>
public static class TorchRuntime
{
    /// <summary>
    /// oneDNN 3.7.1 (inside libtorch 2.10) computes 3×3 fp32 convolutions on contiguous (NCHW) input wrongly when
    /// its direct kernel splits the input channels into SIMD blocks and the last block is partial: with AVX-512
    /// (16-channel blocks) EfficientNet's 24-, 40- and 112-channel layers are off by up to 2 on an AMD EPYC (family
    /// 26; the smallest case, 1×24×32×32 → 24, is tests/…/OneDnnIsaCapTests). AVX2's 8-channel blocks have the same
    /// bug, but every EfficientNet convolution has a multiple of 8 input channels, so capping the ISA at AVX2
    /// restores torchvision-exact logits. Channels-last input takes other kernels that were right uncapped, but the
    /// cap is per process and contiguous is the default. docs/upstream-onednn-avx512.md has the search and what the
    /// cap costs. A user's own ONEDNN_MAX_CPU_ISA is respected.
    /// </summary>
    public const string OneDnnIsaCap = "AVX2";

    private static int initialized;

    public static IReadOnlyList<string> PatchedFiles { get; private set; } = [];

    // A library module initializer (CA2255) on purpose: notebook kernels load this assembly through
    // #r "nuget:" and then call TorchSharp from user cells; there is no Main to put this in.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void InitializeOnLoad() => Initialize();

    public static void Initialize()
    {
        if (Interlocked.Exchange(ref initialized, 1) == 1) return;
        if (!OperatingSystem.IsLinux()) return;
        // Environment.SetEnvironmentVariable only changes .NET's copy; oneDNN reads the C environment.
        setenv("ONEDNN_MAX_CPU_ISA", OneDnnIsaCap, overwrite: 0);
        // libgomp spin-waits between parallel regions; with decode workers (or anything else) on the same cores
        // that spinning starved libtorch 20-50× here. Passive waiting costs little when the cores are free.
        // Read when libgomp loads, i.e. with libtorch, which is after this runs.
        setenv("OMP_WAIT_POLICY", "PASSIVE", overwrite: 0);
        TuneAllocator();
        PatchedFiles = TorchNativeCompat.EnsureLoadable();
        PreloadPackageLibTorch();
    }

    /// <summary>
    /// glibc gives threads other than the process's first their own malloc arenas, built from 64 MiB heaps that
    /// the mallopt settings of <see cref="AllocatorTuned"/> do not keep mapped: a B0 forward pass at batch 32 ran
    /// at 8–12 img/s on any other thread against 60–75 on the first (measured here). Accuracy runs and notebook
    /// cells always compute on other threads. MALLOC_ARENA_MAX=1 puts every thread on the main heap (72 img/s on
    /// another thread), but glibc reads it only at process start, so an executable calls this first thing: it
    /// executes itself again, once, with the variable set — same process id, arguments and streams. Notebook
    /// kernels get the variable from their kernelspec (./lab.sh, the image). EFFNET_DEFAULT_MALLOC=1 opts out.
    /// Returns only when nothing was to be done or the re-execution failed.
    /// </summary>
    public static void ReexecWithSingleMallocArena()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null ||
            Environment.GetEnvironmentVariable("EFFNET_DEFAULT_MALLOC") == "1")
            return;
        string[] argv;
        try
        {
            argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            return;
        }
        setenv("MALLOC_ARENA_MAX", "1", overwrite: 1);
        execv("/proc/self/exe", [.. argv, null]);
        // Still here: execv failed. Carry on with glibc's default arenas.
        unsetenv("MALLOC_ARENA_MAX");
    }

    /// <summary>Every thread allocates from glibc's main heap (MALLOC_ARENA_MAX=1 at process start).</summary>
    public static bool SingleMallocArena => Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") == "1";

    /// <summary>The libtorch.so loaded by full path before TorchSharp's first call, if that was needed.</summary>
    public static string? PreloadedLibTorch { get; private set; }

    /// <summary>
    /// In a notebook (#r "nuget:") libtorch sits in the NuGet cache and no deps.json points there, so TorchSharp
    /// dlopens "libtorch_cpu.so" by bare name and gets a system copy first when there is one: Debian's
    /// python3-torch installs libtorch 1.13 into /usr/lib/x86_64-linux-gnu (measured: undefined symbols or a
    /// segfault). Loading the package's libtorch.so by full path first makes the loader bind that name to the
    /// package's copy (libtorch.so pulls libtorch_cpu.so from its own folder through RUNPATH $ORIGIN).
    /// Executables that carry libtorch in their app folder (the CLI, the tests) are left alone.
    /// </summary>
    private static void PreloadPackageLibTorch()
    {
        const string lib = "libtorch.so";
        var native = Path.Combine("runtimes", "linux-x64", "native");
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, lib)) || File.Exists(Path.Combine(AppContext.BaseDirectory, native, lib)))
            return;
        var version = typeof(TorchRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "LibTorchVersion")?.Value;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
            packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "libtorch-cpu-linux-x64", version ?? "", native, lib);
        if (version is null || !File.Exists(path)) return;
        NativeLibrary.Load(path);
        PreloadedLibTorch = path;
    }

    /// <summary>
    /// glibc serves allocations above 128 KiB-32 MiB with fresh mmap/munmap calls; libtorch frees and re-allocates
    /// its activations every op, so at batch 32 about half the CPU time went to the kernel mapping pages
    /// (measured: B0 channels-last 35 → 76 img/s with this). Keeping large blocks on the heap costs some
    /// address-space reuse, not correctness. EFFNET_DEFAULT_MALLOC=1 opts out; an LD_PRELOADed jemalloc or
    /// tcmalloc ignores mallopt anyway.
    /// </summary>
    public static bool AllocatorTuned { get; private set; }

    private static void TuneAllocator()
    {
        if (Environment.GetEnvironmentVariable("EFFNET_DEFAULT_MALLOC") == "1") return;
        const int M_TRIM_THRESHOLD = -1, M_MMAP_MAX = -4;
        try
        {
            // Without a high trim threshold glibc still hands freed heap back to the kernel after every op and
            // faults it in again on the next (measured: 342 → 26 ms per B0 image, one thread).
            AllocatorTuned = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl): nothing to tune.
        }
    }

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);

    /// <summary>The ISA oneDNN is limited to in this process (the C environment, which is what oneDNN sees).</summary>
    public static string? OneDnnMaxIsa => Marshal.PtrToStringAnsi(getenv("ONEDNN_MAX_CPU_ISA"));

    [DllImport("libc.so.6", EntryPoint = "setenv")]
    private static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc.so.6", EntryPoint = "unsetenv")]
    private static extern int unsetenv(string name);

    [DllImport("libc.so.6", EntryPoint = "execv")]
    private static extern int execv([MarshalAs(UnmanagedType.LPStr)] string path,
        // LPStr is UTF-8 on Unix.
        [MarshalAs(UnmanagedType.LPArray, ArraySubType = UnmanagedType.LPStr)] string?[] argv);

    [DllImport("libc.so.6", EntryPoint = "getenv")]
    private static extern IntPtr getenv(string name);
}
