using System.CommandLine;
using System.Text.Json.Nodes;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Cli.Commands;

internal static class WeightsCommand
{
    public static Command Create(Output output) => new("weights", "List, download and verify checkpoints in the torch-hub cache.")
    {
        List(output), Download(output), Verify(output),
    };

    private static Command List(Output output)
    {
        var json = CommonOptions.Json();
        var command = new Command("list", $"Published checkpoints and whether each is cached (cache: $TORCH_HOME/hub/checkpoints).") { json };
        command.SetAction(parse =>
        {
            var dir = WeightsDownloader.CacheDirectory;
            var rows = CheckpointRegistry.All.Select(w => (w, path: Path.Combine(dir, w.FileName))).ToList();
            if (parse.GetValue(json))
            {
                output.Json(new JsonObject
                {
                    ["cache_dir"] = dir,
                    ["weights"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
                    {
                        ["variant"] = r.w.Variant,
                        ["tag"] = r.w.Tag,
                        ["file"] = r.w.FileName,
                        ["url"] = r.w.Url.ToString(),
                        ["cached"] = File.Exists(r.path),
                        ["path"] = File.Exists(r.path) ? r.path : null,
                    }).ToArray()),
                });
                return 0;
            }
            output.Line($"cache: {dir}");
            output.Table(["variant", "weights", "file", "cached"],
                rows.Select(r => (IReadOnlyList<string>)[r.w.Variant, r.w.Tag, r.w.FileName, File.Exists(r.path) ? "yes" : "-"]));
            return 0;
        });
        return command;
    }

    private static Command Download(Output output)
    {
        var variant = new Argument<string?>("variant") { Description = "Variant whose published weights to fetch (b0…b7, v2_s, v2_m, v2_l).", Arity = ArgumentArity.ZeroOrOne };
        var tag = new Option<string>("--tag") { Description = "Which published weights: imagenet1k_v1, imagenet1k_v2 or default.", DefaultValueFactory = _ => "default" };
        // A string, parsed below: System.CommandLine 2.0 has no Uri parser and rejected every URL.
        var url = new Option<string?>("--url") { Description = "Download this http(s) URL instead (checked with torch.hub's file-name hash rule)." };
        var outPath = new Option<string?>("--output", "-o") { Description = "Where to write the file (default: the torch-hub cache)." };
        var baseUrl = CommonOptions.BaseUrl();
        var json = CommonOptions.Json();
        var command = new Command("download", "Download a checkpoint into the torch-hub cache, verifying its hash.") { variant, tag, url, outPath, baseUrl, json };
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                var downloader = new WeightsDownloader();
                string path;
                if (parse.GetValue(url) is { } text)
                {
                    var u = ParseDownloadUrl(text);
                    if (parse.GetValue(variant) is { } named)
                        throw new ArgumentException($"Pass a variant ({named}) or --url, not both.");
                    path = await downloader.DownloadAsync(u, parse.GetValue(outPath), output.DownloadBar(Path.GetFileName(u.LocalPath)), ct);
                }
                else
                {
                    var v = parse.GetValue(variant) ?? throw new ArgumentException("Name a variant (effnet weights download b0) or pass --url.");
                    var w = CheckpointRegistry.Get(v, parse.GetValue(tag)!);
                    var target = parse.GetValue(outPath);
                    path = target is null
                        ? await downloader.EnsureAsync(w, parse.GetValue(baseUrl), output.DownloadBar(w.FileName), ct)
                        : await downloader.DownloadAsync(WeightsDownloader.UrlFor(w, parse.GetValue(baseUrl)), target, output.DownloadBar(w.FileName), ct);
                }
                if (asJson) output.Json(new JsonObject { ["path"] = path });
                else output.Line(path);
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }

    private static Uri ParseDownloadUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
            ? u
            : throw new ArgumentException($"--url '{text}' is not an absolute http:// or https:// URL; a local file needs no download " +
                                          "(check it with 'effnet weights verify FILE').");

    private static Command Verify(Output output)
    {
        var file = new Argument<string>("file") { Description = "Checkpoint file to check." };
        var json = CommonOptions.Json();
        var command = new Command("verify", "Check a checkpoint: torch.hub's sha256 prefix rule and that it parses as a state dict.") { file, json };
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                var r = WeightsDownloader.Verify(parse.GetValue(file)!);
                if (asJson)
                {
                    output.Json(new JsonObject
                    {
                        ["path"] = r.Path, ["sha256"] = r.Sha256, ["expected_prefix"] = r.ExpectedPrefix,
                        ["hash_matches"] = r.HashMatches, ["problem"] = r.Problem, ["ok"] = r.Ok,
                    });
                }
                else
                {
                    output.Line($"sha256 {r.Sha256}");
                    output.Line(r.HashMatches switch
                    {
                        true => $"hash prefix {r.ExpectedPrefix}: ok",
                        false => $"hash prefix {r.ExpectedPrefix}: MISMATCH",
                        null => "no hash in the file name to check",
                    });
                    output.Line(r.Problem is null ? "state dict: ok" : $"state dict: {r.Problem}");
                }
                return r.Ok ? 0 : 1;
            }
            catch (Exception e)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }
}
