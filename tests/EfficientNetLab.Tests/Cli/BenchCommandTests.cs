using System.Text.Json.Nodes;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Cli;

public class BenchCommandTests
{
    [Fact]
    public async Task Preprocess_bench_reports_throughput_and_stage_times_as_json()
    {
        var json = await Support.Cli.JsonAsync("bench", "--preprocess", "--model", "b0",
            "--data", Path.Combine(ImageFixtures.Directory, "images"), "--limit", "6", "--passes", "2", "--workers", "2");
        Assert.Equal("preprocess", (string)json["mode"]!);
        Assert.Equal(6, (int)json["files"]!);
        Assert.Equal(12, (int)json["images"]!);
        Assert.Equal(2, (int)json["workers"]!);
        Assert.True((double)json["images_per_s"]! > 0);
        foreach (var stage in new[] { "decode", "resize", "normalize" })
            Assert.True((double)json["ms_per_image"]![stage]! > 0, stage);
    }

    [Fact]
    public async Task Preprocess_bench_without_data_says_what_is_missing()
    {
        var (code, stdout, stderr) = await Support.Cli.RunAsync("bench", "--preprocess", "--model", "b0", "--json");
        Assert.Equal(1, code);
        Assert.Contains("--data", stderr);
        Assert.NotNull(JsonNode.Parse(stdout)!["error"]);
    }
}
