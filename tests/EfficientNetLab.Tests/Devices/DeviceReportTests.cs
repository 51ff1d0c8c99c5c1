using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using EfficientNetLab.Devices;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Devices;

public sealed class DeviceReportTests(FakeNvml fake) : IClassFixture<FakeNvml>
{
    const string NotSupported = "NVML_ERROR_NOT_SUPPORTED (3)";
    const string LongName = "NVIDIA Fake Accelerator Workstation Edition with a marketing name longer than NVML's 96-byte name buffer";

    static readonly string Effnet = Path.Combine(AppContext.BaseDirectory, "effnet");

    [Fact]
    public void Without_nvml_the_report_still_describes_torch_and_the_cpu()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-dir-{Guid.NewGuid():N}", "libnvidia-ml.so.1");

        var report = DeviceReport.Collect(missing);

        Assert.False(report.Nvml.Loaded);
        Assert.Contains(missing, report.Nvml.Problem);
        Assert.Empty(report.Gpus);
        Assert.Equal(Environment.ProcessorCount, report.Cpu.LogicalCores);
        Assert.True(report.Cpu.MemoryTotalBytes > 0);
        Assert.InRange(report.Cpu.MemoryAvailableBytes!.Value, 1, report.Cpu.MemoryTotalBytes!.Value);
        Assert.InRange(report.Cpu.ProcessWorkingSetBytes!.Value, 1 << 20, report.Cpu.ProcessPeakWorkingSetBytes!.Value);
        Assert.False(string.IsNullOrWhiteSpace(report.Cpu.Model));
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64) Assert.Contains("sse4.2", report.Cpu.Simd);

        var torch = report.Torch;
        Assert.Null(torch.Problem);
        Assert.StartsWith("2.", torch.LibTorchVersion);
        Assert.True(torch.Threads >= 1);
        Assert.Equal(TorchRuntime.OneDnnMaxIsa, torch.OneDnnMaxIsa);
        Assert.True(Directory.Exists(torch.NativeFolder), torch.NativeFolder);
        // The tests are built with TorchBackend=cpu unless asked otherwise; either way the package is a libtorch one.
        Assert.Contains(torch.NativePackages, p => p.StartsWith("libtorch-", StringComparison.Ordinal));
        Assert.Equal(torch.NativePackages.Any(p => p.Contains("cuda")), torch.CudaBackendLoaded);
        Assert.Empty(torch.CudaDiagnosis);
    }

    [Fact]
    public void Machine_without_a_driver_says_so_instead_of_failing()
    {
        var report = DeviceReport.Collect();

        if (NativeLibrary.TryLoad("libnvidia-ml.so.1", out var driver))
        {
            NativeLibrary.Free(driver);
            Assert.True(report.Nvml.Loaded, report.Nvml.Problem);
        }
        else
        {
            Assert.Equal("NVML not found (libnvidia-ml.so.1): no NVIDIA driver", report.Nvml.Problem);
            Assert.Empty(report.Gpus);
            Assert.Empty(report.ToJson()["gpus"]!.AsArray());
        }
    }

    [Fact]
    public void Fake_driver_values_are_marshalled_and_unsupported_fields_are_null_with_the_reason()
    {
        var report = DeviceReport.Collect(fake.Current);

        Assert.True(report.Nvml.Loaded, report.Nvml.Problem);
        Assert.Equal("580.95.05", report.Nvml.DriverVersion);
        Assert.Equal("13.0", report.Nvml.CudaDriverVersion);
        Assert.Empty(report.Nvml.Unavailable);
        Assert.Equal(2, report.Gpus.Count);

        var h100 = report.Gpus[0];
        Assert.Equal(0, h100.Index);
        Assert.Equal("NVIDIA H100 80GB HBM3", h100.Name);
        Assert.Equal("GPU-3b0c1f52-6d1e-4a8e-9c33-0123456789ab", h100.Uuid);
        Assert.Equal(85520809984ul, h100.MemoryTotalBytes);
        Assert.Equal(10737418240ul, h100.MemoryUsedBytes);
        Assert.Equal(85520809984ul - 10737418240ul, h100.MemoryFreeBytes);
        Assert.Equal(37u, h100.UtilizationPercent);
        Assert.Equal(12u, h100.MemoryUtilizationPercent);
        Assert.Equal(45, h100.TemperatureC); // the fake's legacy getter fails: this came through nvmlDeviceGetTemperatureV
        Assert.Equal(123.456, h100.PowerDrawWatts);
        Assert.Equal(700.0, h100.PowerLimitWatts);
        Assert.Equal("9.0", h100.ComputeCapability);
        Assert.Equal((1980u, 1755u, 2619u), (h100.GraphicsClockMHz, h100.SmClockMHz, h100.MemoryClockMHz));
        Assert.Empty(h100.Unavailable);

        var odd = report.Gpus[1];
        Assert.Equal(LongName, odd.Name); // over 96 bytes: read after INSUFFICIENT_SIZE
        Assert.Equal("GPU-00000000-1111-2222-3333-444444444444", odd.Uuid);
        Assert.Equal(1048576ul, odd.MemoryUsedBytes);
        Assert.Equal((5u, 1u), (odd.UtilizationPercent, odd.MemoryUtilizationPercent));
        Assert.Equal("8.6", odd.ComputeCapability);
        Assert.Null(odd.TemperatureC);
        Assert.Null(odd.PowerDrawWatts);
        Assert.Null(odd.PowerLimitWatts);
        Assert.Equal(new Dictionary<string, string>
        {
            ["temperature_c"] = NotSupported, ["power_draw_w"] = NotSupported, ["power_limit_w"] = NotSupported,
        }, odd.Unavailable);

        var json = report.ToJson();
        var gpu1 = json["gpus"]![1]!;
        Assert.Null(gpu1["power_draw_w"]);
        Assert.Equal(NotSupported, (string)gpu1["unavailable"]!["power_draw_w"]!);
        Assert.Equal(85520809984ul, (ulong)json["gpus"]![0]!["memory_total_bytes"]!);
    }

    [Fact]
    public void Old_driver_falls_back_to_the_deprecated_temperature_getter_and_the_unversioned_cuda_version_call()
    {
        var report = DeviceReport.Collect(fake.OldDriver);

        Assert.Equal("12.4", report.Nvml.CudaDriverVersion);
        Assert.Equal(45, report.Gpus[0].TemperatureC);
        Assert.Empty(report.Gpus[0].Unavailable);
        Assert.Null(report.Gpus[1].TemperatureC);
        Assert.Equal(NotSupported, report.Gpus[1].Unavailable["temperature_c"]);
    }

    [Fact]
    public void Gpus_without_torch_cuda_get_a_diagnosis_of_each_cause()
    {
        var torch = DeviceReport.Collect(fake.Current).Torch;

        if (torch.CudaAvailable)
        {
            Assert.Empty(torch.CudaDiagnosis);
            return;
        }
        Assert.Equal(["CUDA backend loaded", "torch.InitializeDeviceType(DeviceType.CUDA)", "TorchSharp folder writable"],
            torch.CudaDiagnosis.Select(c => c.Check));
        var backend = torch.CudaDiagnosis[0];
        Assert.Equal(torch.CudaBackendLoaded, backend.Passed);
        if (!backend.Passed) Assert.Contains("TorchSharp-cuda-linux", backend.Detail);
        var init = torch.CudaDiagnosis[1];
        Assert.False(init.Passed);
        Assert.False(string.IsNullOrWhiteSpace(init.Detail));
    }

    [Fact]
    public void Cli_devices_json_reads_the_library_named_by_the_environment()
    {
        var (code, stdout, stderr) = Repo.RunRaw(Effnet, ["devices", "--json"],
            new Dictionary<string, string?> { [DeviceReport.NvmlLibraryVariable] = fake.Current }, timeoutSeconds: 120);

        Assert.True(code == 0, stderr);
        var json = JsonNode.Parse(stdout)!.AsObject(); // the whole of stdout: TorchSharp's CUDA trace must not leak there
        Assert.Equal(fake.Current, (string)json["nvml"]!["library"]!);
        var gpus = json["gpus"]!.AsArray();
        Assert.Equal(2, gpus.Count);
        Assert.Equal("NVIDIA H100 80GB HBM3", (string)gpus[0]!["name"]!);
        Assert.Equal(LongName, (string)gpus[1]!["name"]!);
        Assert.Equal(45, (int)gpus[0]!["temperature_c"]!);
        Assert.Null(gpus[1]!["temperature_c"]);
        Assert.Equal(NotSupported, (string)gpus[1]!["unavailable"]!["temperature_c"]!);
        Assert.Equal(Environment.ProcessorCount, (int)json["cpu"]!["logical_cores"]!);
    }

    [Fact]
    public void Cli_devices_card_shows_each_gpu_and_what_it_could_not_read()
    {
        var (code, stdout, stderr) = Repo.RunRaw(Effnet, ["devices"],
            new Dictionary<string, string?> { [DeviceReport.NvmlLibraryVariable] = fake.Current }, timeoutSeconds: 120);

        Assert.True(code == 0, stderr);
        Assert.Contains("driver 580.95.05, CUDA 13.0", stdout);
        Assert.Contains("NVIDIA H100 80GB HBM3", stdout);
        Assert.Contains("memory 10.0 / 79.6 GiB used, utilization 37% (memory 12%), 45 °C, power 123 / 700 W", stdout);
        Assert.Contains($"n/a temperature_c, power_draw_w, power_limit_w: {NotSupported}", stdout);
        Assert.Contains($"{Environment.ProcessorCount} logical cores", stdout);
    }
}
