using System.Security.Cryptography;
using EfficientNetLab.Imaging;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Weights;

/// <summary>Downloads from a real HTTP server on 127.0.0.1 into a private torch-hub cache.</summary>
public sealed class DownloadTests : IDisposable
{
    private readonly LocalHttpServer server = new();
    private readonly string cache = Directory.CreateTempSubdirectory("effnet-hub").FullName;
    private readonly byte[] checkpoint = File.ReadAllBytes(ParityFixtures.Bad("b0_10_classes.pth"));

    public void Dispose()
    {
        server.Dispose();
        Directory.Delete(cache, recursive: true);
    }

    private string TorchvisionStyleName(byte[] content) =>
        $"efficientnet_b0_rwightman-{Convert.ToHexStringLower(SHA256.HashData(content))[..8]}.pth";

    private static PublishedWeights Published(Uri url) => new("b0", "imagenet1k_v1", url, Path.GetFileName(url.LocalPath),
        77.692, 93.532, 5288548, 0.386, 20.451, new EvalPreset(224, 256, Interpolation.Bicubic, EvalPreset.ImageNetMean, EvalPreset.ImageNetStd));

    [Fact]
    public async Task Good_file_is_verified_cached_and_reused()
    {
        var url = server.Add(TorchvisionStyleName(checkpoint), checkpoint);
        var reports = new List<DownloadProgress>();
        var downloader = new WeightsDownloader(cacheDirectory: cache);
        var path = await downloader.EnsureAsync(Published(url), progress: new SyncProgress(reports));
        Assert.Equal(Path.Combine(cache, Path.GetFileName(url.LocalPath)), path);
        Assert.Equal(checkpoint, await File.ReadAllBytesAsync(path));
        Assert.Equal(checkpoint.Length, reports[^1].Received);

        int requests = server.Requests;
        Assert.Equal(path, await downloader.EnsureAsync(Published(url)));
        Assert.Equal(requests, server.Requests);
        Assert.Single(Directory.GetFiles(cache));
    }

    [Fact]
    public async Task Corrupt_file_under_a_torchvision_name_is_refused_and_not_cached()
    {
        var corrupt = (byte[])checkpoint.Clone();
        corrupt[corrupt.Length / 2] ^= 0xFF;
        var url = server.Add(TorchvisionStyleName(checkpoint), corrupt);
        var e = await Assert.ThrowsAsync<WeightsVerificationException>(() =>
            new WeightsDownloader(cacheDirectory: cache).EnsureAsync(Published(url)));
        Assert.Contains("Hash check failed", e.Message);
        Assert.Empty(Directory.GetFiles(cache));
    }

    [Fact]
    public async Task Missing_file_and_non_checkpoints_leave_nothing_behind()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() =>
            new WeightsDownloader(cacheDirectory: cache).DownloadAsync(new Uri(server.BaseUrl, "nothing-here.pth")));
        var html = server.Add("page.pth", "<html>login</html>"u8.ToArray());
        await Assert.ThrowsAsync<WeightsVerificationException>(() => new WeightsDownloader(cacheDirectory: cache).DownloadAsync(html));
        Assert.Empty(Directory.GetFiles(cache));
    }

    [Fact]
    public async Task Base_url_replaces_torchvisions_host()
    {
        var name = TorchvisionStyleName(checkpoint);
        server.Add(name, checkpoint);
        var official = Published(new Uri("https://download.pytorch.org/models/" + name));
        Assert.Equal(new Uri(server.BaseUrl, name), WeightsDownloader.UrlFor(official, server.BaseUrl.ToString()));
        var path = await new WeightsDownloader(cacheDirectory: cache).EnsureAsync(official, server.BaseUrl.ToString());
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Cli_download_of_a_corrupt_mirror_fails_naming_the_hash_check()
    {
        // The real b0 file name: the mirror serves bytes whose hash cannot match 7f5810bc.
        server.Add("efficientnet_b0_rwightman-7f5810bc.pth", checkpoint);
        var effnet = Path.Combine(AppContext.BaseDirectory, "effnet");
        var (code, stdout, stderr) = Repo.RunRaw(effnet, ["weights", "download", "b0", "--base-url", server.BaseUrl.ToString(), "--json"],
            new Dictionary<string, string?> { ["TORCH_HOME"] = cache });
        Assert.Equal(1, code);
        Assert.Contains("Hash check failed", stderr);
        Assert.Contains("\"error\"", stdout);
        Assert.False(Directory.Exists(Path.Combine(cache, "hub", "checkpoints")) &&
                     Directory.GetFiles(Path.Combine(cache, "hub", "checkpoints")).Length > 0);
    }

    [Fact]
    public async Task Cli_download_of_a_url_verifies_it_and_writes_the_file()
    {
        var url = server.Add(TorchvisionStyleName(checkpoint), checkpoint);
        var target = Path.Combine(cache, "renamed.pth");
        var json = await Support.Cli.JsonAsync("weights", "download", "--url", url.ToString(), "-o", target);
        Assert.Equal(target, (string)json["path"]!);
        Assert.Equal(checkpoint, await File.ReadAllBytesAsync(target));
    }

    [Fact]
    public async Task Cli_download_of_a_url_keeps_the_urls_hash_check_under_another_name()
    {
        var corrupt = (byte[])checkpoint.Clone();
        corrupt[corrupt.Length / 2] ^= 0xFF;
        var url = server.Add(TorchvisionStyleName(checkpoint), corrupt);
        var target = Path.Combine(cache, "renamed.pth");
        var (code, _, stderr) = await Support.Cli.RunAsync("weights", "download", "--url", url.ToString(), "-o", target);
        Assert.Equal(1, code);
        Assert.Contains("Hash check failed", stderr);
        Assert.Empty(Directory.GetFiles(cache));
    }

    [Theory]
    [InlineData("efficientnet_b0.pth")]
    [InlineData("file:///tmp/efficientnet_b0.pth")]
    public async Task Cli_download_refuses_what_is_not_an_http_url_naming_the_option(string url)
    {
        var (code, stdout, stderr) = await Support.Cli.RunAsync("weights", "download", "--url", url, "--json");
        Assert.Equal(1, code);
        Assert.Contains($"--url '{url}' is not an absolute http:// or https:// URL", stderr);
        Assert.NotNull(System.Text.Json.Nodes.JsonNode.Parse(stdout)!["error"]);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public void Hash_prefix_follows_torch_hub()
    {
        Assert.Equal("7f5810bc", WeightsDownloader.HashPrefixOf("efficientnet_b0_rwightman-7f5810bc.pth"));
        Assert.Null(WeightsDownloader.HashPrefixOf("model.pth"));
        Assert.All(CheckpointRegistry.All, w => Assert.Matches("^[0-9a-f]{8}$", w.HashPrefix!));
    }

    [Fact]
    public void Verify_reports_hash_and_parse_problems()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-verify").FullName;
        var good = Path.Combine(dir, TorchvisionStyleName(checkpoint));
        File.WriteAllBytes(good, checkpoint);
        Assert.True(WeightsDownloader.Verify(good).Ok);
        var renamed = Path.Combine(dir, "efficientnet_b0_rwightman-00000000.pth");
        File.WriteAllBytes(renamed, checkpoint);
        Assert.False(WeightsDownloader.Verify(renamed).HashMatches);
        var text = Path.Combine(dir, "notes.pth");
        File.WriteAllText(text, "hello");
        Assert.NotNull(WeightsDownloader.Verify(text).Problem);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the reports in order, now.</summary>
    private sealed class SyncProgress(List<DownloadProgress> reports) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => reports.Add(value);
    }
}
