using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace EfficientNetLab.Weights;

/// <summary>Bytes received so far and the expected total (null when the server does not say).</summary>
public readonly record struct DownloadProgress(long Received, long? Total, TimeSpan Elapsed)
{
    public double? Fraction => Total is > 0 ? (double)Received / Total.Value : null;
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? Received / Elapsed.TotalSeconds : 0;
}

/// <summary>A downloaded file that failed its integrity check; it has been deleted.</summary>
public sealed class WeightsVerificationException(string message) : Exception(message);

/// <summary>
/// Fetches checkpoints into the torch-hub cache the way <c>torch.hub.load_state_dict_from_url</c> does, so that a
/// PyTorch user's cache is reused and ours is usable from PyTorch: download to a temporary file in the cache
/// folder, check the sha256 prefix in the file name, then rename into place. A file that fails is never cached.
/// </summary>
public sealed partial class WeightsDownloader(HttpClient? http = null, string? cacheDirectory = null)
{
    private readonly HttpClient http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Where this downloader caches: the constructor's folder, else <see cref="CacheDirectory"/>.</summary>
    public string Directory { get; } = cacheDirectory ?? CacheDirectory;

    /// <summary><c>$TORCH_HOME/hub/checkpoints</c>; TORCH_HOME defaults to <c>$XDG_CACHE_HOME/torch</c>, then <c>~/.cache/torch</c>.</summary>
    public static string CacheDirectory
    {
        get
        {
            var torchHome = Environment.GetEnvironmentVariable("TORCH_HOME");
            if (string.IsNullOrEmpty(torchHome))
            {
                var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                if (string.IsNullOrEmpty(xdg))
                    xdg = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
                torchHome = Path.Combine(xdg, "torch");
            }
            return Path.Combine(torchHome, "hub", "checkpoints");
        }
    }

    /// <summary>The mirror to use instead of torchvision's host: the argument, else EFFNET_WEIGHTS_BASE_URL.</summary>
    public static string ResolveBaseUrl(string? baseUrl) =>
        !string.IsNullOrEmpty(baseUrl) ? baseUrl
        : Environment.GetEnvironmentVariable("EFFNET_WEIGHTS_BASE_URL") is { Length: > 0 } env ? env
        : CheckpointRegistry.DefaultBaseUrl;

    public static Uri UrlFor(PublishedWeights weights, string? baseUrl = null)
    {
        var resolved = ResolveBaseUrl(baseUrl);
        return resolved == CheckpointRegistry.DefaultBaseUrl ? weights.Url : new Uri(resolved.TrimEnd('/') + "/" + weights.FileName);
    }

    /// <summary>torch.hub's HASH_REGEX: the hex after the last '-' of the file name, before the extension.</summary>
    public static string? HashPrefixOf(string fileName)
    {
        var m = HashRegex().Match(Path.GetFileName(fileName));
        return m.Success ? m.Groups[1].Value : null;
    }

    [GeneratedRegex(@"-([a-f0-9]*)\.")]
    private static partial Regex HashRegex();

    /// <summary>The cached file for published weights, downloading it first when it is not cached yet.</summary>
    public async Task<string> EnsureAsync(PublishedWeights weights, string? baseUrl = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var target = Path.Combine(Directory, weights.FileName);
        if (File.Exists(target)) return target;
        return await DownloadAsync(UrlFor(weights, baseUrl), target, progress, cancellationToken);
    }

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="target"/> (default: the cache, under the URL's file
    /// name). The file appears at the target only once complete and verified.
    /// </summary>
    public async Task<string> DownloadAsync(Uri url, string? target = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        target ??= Path.Combine(Directory, Path.GetFileName(url.LocalPath));
        var dir = Path.GetDirectoryName(Path.GetFullPath(target))!;
        System.IO.Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            string sha256;
            using (var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken))
            {
                if (!response.IsSuccessStatusCode)
                    throw new HttpRequestException($"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
                long? total = response.Content.Headers.ContentLength;
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                long received = 0;
                var lastReport = TimeSpan.Zero;
                int n;
                while ((n = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                    received += n;
                    if (clock.Elapsed - lastReport > TimeSpan.FromMilliseconds(100))
                    {
                        lastReport = clock.Elapsed;
                        progress?.Report(new DownloadProgress(received, total, clock.Elapsed));
                    }
                }
                if (total is not null && received != total)
                    throw new IOException($"GET {url} ended after {received:N0} of {total:N0} bytes.");
                progress?.Report(new DownloadProgress(received, total ?? received, clock.Elapsed));
                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            // torch.hub takes the prefix from the URL's file name; -o may rename the file, and must not lose the check.
            var expected = HashPrefixOf(Path.GetFileName(url.LocalPath)) ?? HashPrefixOf(target);
            if (expected is { Length: > 0 } && !sha256.StartsWith(expected, StringComparison.Ordinal))
                throw new WeightsVerificationException(
                    $"Hash check failed for {url}: the file name says sha256 starts with {expected}, the download's is {sha256}. " +
                    "The file was deleted and not cached; the mirror may serve a corrupt or different file.");
            if (Checkpoint.DetectFormat(temp) == Checkpoint.CheckpointFormat.Unknown)
                throw new WeightsVerificationException(
                    $"{url} did not return a PyTorch or safetensors checkpoint; the file was deleted and not cached.");
            File.Move(temp, target, overwrite: true);
            return target;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Checks a file on disk: the torch.hub hash rule when its name carries a hash, the registry's sha256
    /// prefix when it is a published file, and that it parses as a checkpoint.
    /// </summary>
    public static VerifyResult Verify(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        string sha256;
        using (var f = File.OpenRead(path)) sha256 = Convert.ToHexStringLower(SHA256.HashData(f));
        var expected = HashPrefixOf(path);
        bool? hashOk = expected is { Length: > 0 } ? sha256.StartsWith(expected, StringComparison.Ordinal) : null;
        string? problem = null;
        try
        {
            using var sd = Checkpoint.Read(path);
        }
        catch (CheckpointException e)
        {
            problem = e.Reason;
        }
        return new VerifyResult(path, sha256, expected, hashOk, problem);
    }
}

/// <summary>What <see cref="WeightsDownloader.Verify"/> found.</summary>
public sealed record VerifyResult(string Path, string Sha256, string? ExpectedPrefix, bool? HashMatches, string? Problem)
{
    public bool Ok => HashMatches != false && Problem is null;
}
