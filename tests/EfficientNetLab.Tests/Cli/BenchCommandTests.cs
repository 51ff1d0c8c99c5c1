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
    public async Task Preprocess_bench_and_predict_read_an_ImageFolder_like_a_flat_folder()
    {
        // The shipped Fashion-MNIST images are class folders; their first images in torchvision's order are Ankle boots.
        var bench = await Support.Cli.JsonAsync("bench", "--preprocess", "--model", "b0", "--data", Repo.SampleImages, "--limit", "3", "--passes", "1");
        Assert.Equal(3, (int)bench["files"]!);
        var predict = await Support.Cli.JsonAsync("predict", "--weights", Repo.SampleCheckpoint, "--topk", "1", Repo.SampleImages);
        var images = predict["predictions"]!.AsArray().Select(p => (string)p!["image"]!).ToList();
        Assert.Equal(EfficientNetLab.Data.ImageFolder.Scan(Repo.SampleImages).Samples.Select(s => s.Path), images);
        Assert.Equal(500, images.Count);
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
