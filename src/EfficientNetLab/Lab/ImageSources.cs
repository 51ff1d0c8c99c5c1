using System.Security.Cryptography;
using System.Text;
using EfficientNetLab.Data;

namespace EfficientNetLab;

/// <summary>The images a request names: files, the images of folders, and http(s) URLs.</summary>
internal static class ImageSources
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>Files as given, folders replaced by their images (flat or ImageFolder, by <see cref="ImageFolder.List"/>'s
    /// rule), URLs kept for <see cref="LocalPathAsync"/>; in the order given.</summary>
    public static IReadOnlyList<string> Expand(IReadOnlyList<string> given, Action<string> warn)
    {
        if (given.Count == 0) throw new ArgumentException("give an image, a folder or a URL.");
        var result = new List<string>();
        foreach (var s in given)
        {
            if (IsUrl(s)) result.Add(s);
            else if (Directory.Exists(s))
            {
                var listing = ImageFolder.List(s);
                foreach (var w in listing.Warnings) warn(w);
                result.AddRange(listing.Paths);
            }
            else if (File.Exists(s)) result.Add(s);
            else throw new FileNotFoundException($"{s}: no such file or folder.", s);
        }
        return result;
    }

    public static bool IsUrl(string s) =>
        Uri.TryCreate(s, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);

    /// <summary>A path as it is; a URL downloaded once per machine session into a temporary folder named by the
    /// URL's hash, keeping its file name (the decoder goes by content, the gallery shows the name).</summary>
    public static async Task<string> LocalPathAsync(string source, CancellationToken ct)
    {
        if (!IsUrl(source)) return source;
        var uri = new Uri(source);
        var dir = Path.Combine(Path.GetTempPath(), "effnet-downloads", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source)))[..16]);
        var file = Path.Combine(dir, Path.GetFileName(uri.LocalPath) is { Length: > 0 } n ? n : "image");
        if (File.Exists(file)) return file;
        Directory.CreateDirectory(dir);
        using var response = await Http.GetAsync(uri, ct);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{source}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
        var tmp = file + ".part";
        await using (var fs = File.Create(tmp)) await response.Content.CopyToAsync(fs, ct);
        File.Move(tmp, file, overwrite: true);
        return file;
    }
}
