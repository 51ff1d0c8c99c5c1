using System.Diagnostics;
using System.Text.Json.Nodes;

namespace EfficientNetLab.Tests.Devices;

/// <summary>The allocator state the real effnet executable ends up in (it may execute itself again to get there).</summary>
public class TorchRuntimeTests
{
    static JsonObject TorchSection(string? arenaMax = null, string? defaultMalloc = null)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "effnet"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "devices", "--json" }) psi.ArgumentList.Add(a);
        psi.Environment.Remove("MALLOC_ARENA_MAX");
        psi.Environment.Remove("EFFNET_DEFAULT_MALLOC");
        if (arenaMax is not null) psi.Environment["MALLOC_ARENA_MAX"] = arenaMax;
        if (defaultMalloc is not null) psi.Environment["EFFNET_DEFAULT_MALLOC"] = defaultMalloc;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), "effnet devices did not finish");
        Assert.True(p.ExitCode == 0, stderr.Result);
        return JsonNode.Parse(stdout.Result)!["torch"]!.AsObject();
    }

    [Fact]
    public void The_cli_runs_with_every_thread_on_the_main_malloc_heap()
    {
        var torch = TorchSection();
        Assert.True((bool)torch["malloc_single_arena"]!);
        Assert.True((bool)torch["malloc_tuned"]!);
    }

    [Fact]
    public void A_users_own_MALLOC_ARENA_MAX_is_left_alone()
    {
        var torch = TorchSection(arenaMax: "4");
        Assert.False((bool)torch["malloc_single_arena"]!);
        Assert.True((bool)torch["malloc_tuned"]!);
    }

    [Fact]
    public void EFFNET_DEFAULT_MALLOC_opts_out_of_all_allocator_settings()
    {
        var torch = TorchSection(defaultMalloc: "1");
        Assert.False((bool)torch["malloc_single_arena"]!);
        Assert.False((bool)torch["malloc_tuned"]!);
    }
}
