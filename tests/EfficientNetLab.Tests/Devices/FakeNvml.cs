using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Devices;

/// <summary>
/// fake_nvml.c built into two libnvidia-ml.so.1 stand-ins: a current driver, and an old one without
/// nvmlDeviceGetTemperatureV and nvmlSystemGetCudaDriverVersion_v2.
/// </summary>
public sealed class FakeNvml : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("effnet-fake-nvml").FullName;

    public string Current { get; }
    public string OldDriver { get; }

    public FakeNvml()
    {
        Current = Build("current");
        OldDriver = Build("old", "-DOLD_DRIVER");
    }

    string Build(string name, params string[] defines)
    {
        var lib = Path.Combine(dir, name, "libnvidia-ml.so.1");
        Directory.CreateDirectory(Path.GetDirectoryName(lib)!);
        var source = Path.Combine(Repo.Root, "tests", "EfficientNetLab.Tests", "Devices", "fake_nvml.c");
        Repo.Run("gcc", ["-shared", "-fPIC", "-O1", "-Wall", "-Wextra", "-Werror", .. defines, "-o", lib, source], timeoutSeconds: 120);
        return lib;
    }

    // Loaded copies stay mapped after the files go, which Linux allows.
    public void Dispose() => Directory.Delete(dir, recursive: true);
}
