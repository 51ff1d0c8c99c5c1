using System.Text;
using EfficientNetLab.Devices;
using static EfficientNetLab.Reports.Html;

namespace EfficientNetLab.Reports;

/// <summary>The library's <see cref="DeviceReport"/> as #!cuda-info shows it: the GPUs as the driver sees them, what
/// TorchSharp can use (with the CUDA diagnosis when the two disagree), and the CPU.</summary>
internal static class DeviceCard
{
    const string Good = "#2a7", Bad = "#a52";

    public static string Html(DeviceReport r)
    {
        var body = new StringBuilder();
        body.Append(Section("NVIDIA driver (NVML)"));
        body.Append(r.Nvml.Loaded
            ? Table([("driver", E(r.Nvml.DriverVersion ?? "—")), ("CUDA driver", E(r.Nvml.CudaDriverVersion ?? "—")), ("GPUs", $"{r.Gpus.Count}")])
            : $"<div>no GPU: {E(r.Nvml.Problem)}</div>");
        if (r.Gpus.Count > 0) body.Append(Grid(["#", "name", "memory used", "utilization", "temperature", "power", "compute capability", "SM clock"],
            r.Gpus.Select(g => (IReadOnlyList<string>)[
                $"{g.Index}",
                E(g.Name ?? Missing(g, "name")),
                g.MemoryUsedBytes is { } used && g.MemoryTotalBytes is { } total && total > 0
                    ? Bar((double)used / total, $"{Bytes((long)used)} of {Bytes((long)total)}", width: 120) : E(Missing(g, "memory_used_bytes")),
                g.UtilizationPercent is { } u ? Bar(u / 100.0, $"{u}%", width: 80) : E(Missing(g, "utilization_percent")),
                g.TemperatureC is { } t ? $"{t} °C" : E(Missing(g, "temperature_c")),
                g.PowerDrawWatts is { } p ? $"{F(p, "0")} W{(g.PowerLimitWatts is { } l ? $" of {F(l, "0")} W" : "")}" : E(Missing(g, "power_draw_w")),
                E(g.ComputeCapability ?? Missing(g, "compute_capability")),
                g.SmClockMHz is { } sm ? $"{sm} MHz" : E(Missing(g, "clock_sm_mhz")),
            ])));

        var torch = r.Torch;
        body.Append(Section("TorchSharp"));
        body.Append(Table([
            ("CUDA", torch.CudaAvailable
                ? $"<b style=\"color:{Good}\">available</b>: {torch.CudaDeviceCount} device(s), cuDNN {(torch.CudnnAvailable ? "yes" : "no")}"
                : $"<b style=\"color:{(r.Gpus.Count > 0 ? Bad : "#555")}\">not available</b>{(r.Gpus.Count > 0 ? " although the driver sees GPUs (see below)" : ": runs on the CPU")}"),
            ("libtorch", E(torch.LibTorchVersion ?? "—")),
            ("TorchSharp", E(torch.TorchSharpVersion ?? "—")),
            ("native packages", E(torch.NativePackages.Count > 0 ? string.Join(", ", torch.NativePackages) : "—")),
            ("threads", $"{torch.Threads}"),
            ("oneDNN ISA cap", E(torch.OneDnnMaxIsa ?? "none")),
        ]));
        if (torch.Problem is not null) body.Append($"<div style=\"color:{Bad}\">{E(torch.Problem)}</div>");
        if (torch.CudaDiagnosis.Count > 0)
            body.Append("<ul style=\"margin:2px 0;padding-left:18px\">" + string.Concat(torch.CudaDiagnosis.Select(c =>
                $"<li><b style=\"color:{(c.Passed ? Good : Bad)}\">{(c.Passed ? "ok" : "failed")}</b> {E(c.Check)}: {E(c.Detail)}</li>")) + "</ul>");

        var cpu = r.Cpu;
        body.Append(Section("CPU"));
        body.Append(Table([
            ("model", E(cpu.Model ?? "unknown")),
            ("cores", $"{cpu.LogicalCores} logical"),
            ("SIMD", E(string.Join(" ", cpu.Simd))),
            ("memory", cpu.MemoryAvailableBytes is { } a && cpu.MemoryTotalBytes is { } mt ? $"{Bytes(a)} available of {Bytes(mt)}" : "—"),
            ("this kernel", cpu.ProcessWorkingSetBytes is { } ws ? $"{Bytes(ws)} resident (peak {Bytes(cpu.ProcessPeakWorkingSetBytes ?? ws)})" : "—"),
        ]));
        return Card("Compute devices", body.ToString());
    }

    public static string Text(DeviceReport r)
    {
        var s = new StringBuilder();
        s.AppendLine(r.Nvml.Loaded
            ? $"NVIDIA driver {r.Nvml.DriverVersion}, CUDA {r.Nvml.CudaDriverVersion}, {r.Gpus.Count} GPU(s)"
            : $"no GPU: {r.Nvml.Problem}");
        foreach (var g in r.Gpus)
            s.AppendLine($"  GPU {g.Index}: {g.Name}, {Bytes((long)(g.MemoryUsedBytes ?? 0))} of {Bytes((long)(g.MemoryTotalBytes ?? 0))} used, {g.UtilizationPercent?.ToString() ?? "?"}% busy");
        var t = r.Torch;
        s.AppendLine($"TorchSharp {t.TorchSharpVersion}, libtorch {t.LibTorchVersion}: CUDA {(t.CudaAvailable ? $"available ({t.CudaDeviceCount} device(s))" : "not available")}");
        foreach (var c in t.CudaDiagnosis) s.AppendLine($"  {(c.Passed ? "ok" : "FAILED")} {c.Check}: {c.Detail}");
        s.Append($"CPU {r.Cpu.Model}, {r.Cpu.LogicalCores} cores");
        if (r.Cpu.MemoryAvailableBytes is { } a && r.Cpu.MemoryTotalBytes is { } m) s.Append($"; memory {Bytes(a)} available of {Bytes(m)}");
        return s.ToString();
    }

    static string Section(string title) => $"<div style=\"font-weight:600;color:#333;margin:6px 0 2px\">{E(title)}</div>";

    static string Missing(GpuInfo g, string key) => g.Unavailable.TryGetValue(key, out var why) ? $"n/a ({why})" : "—";
}
