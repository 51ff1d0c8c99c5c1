using System.Text.RegularExpressions;

namespace EfficientNetLab.Tests.Docs;

/// <summary>
/// One <c>effnet</c> command line as a document shows it. <see cref="Block"/> is the line of the opening fence
/// for a line inside a shell code block (the lines of one block run in order, sharing their files), null for a
/// code span (a table cell or prose). <see cref="Variables"/> holds the block's earlier <c>name="value"</c> lines.
/// </summary>
public sealed record DocumentedCommand(string File, int Line, string Text, int? Block, IReadOnlyDictionary<string, string> Variables)
{
    public string Where => $"{File}:{Line}";
}

/// <summary>
/// Finds the effnet command lines in the documents a newcomer reads. What counts as a command:
/// <list type="bullet">
/// <item>in a <c>```bash</c>/<c>sh</c>/<c>shell</c> block, a line (with its <c>\</c> continuations, without its
/// <c># comment</c>) that runs <c>effnet VERB</c> anywhere in it (also after <c>ssh host</c> or
/// <c>docker run image</c>) or <c>dotnet run --project src/EfficientNetLab.Cli</c>;</item>
/// <item>outside code blocks, a code span (table cells included, <c>\|</c> read as <c>|</c>) that starts with
/// <c>effnet VERB</c> or <c>dotnet run --project src/EfficientNetLab.Cli</c>.</item>
/// </list>
/// Not counted: the bare word <c>effnet</c>, and other fences (file trees, output samples).
/// </summary>
public static partial class DocumentedCommands
{
    public static readonly string[] Documents = ["README.md", "notebooks/README.md"];

    public static IReadOnlyList<DocumentedCommand> All =>
        [.. Documents.SelectMany(d => Extract(d, File.ReadAllText(Path.Combine(Support.Repo.Root, d))))];

    public static IEnumerable<DocumentedCommand> Extract(string document, string markdown)
    {
        var lines = markdown.Split('\n');
        int? block = null;
        bool shell = false;
        var variables = new Dictionary<string, string>();
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.TrimStart().StartsWith("```"))
            {
                if (block is null)
                {
                    block = i + 1;
                    shell = ShellFence().IsMatch(line.Trim());
                    variables = [];
                }
                else
                {
                    block = null;
                }
                continue;
            }
            if (block is null)
            {
                foreach (Match span in CodeSpan().Matches(line))
                {
                    var text = span.Groups[1].Value.Replace(@"\|", "|").Trim();
                    if (SpanCommand().IsMatch(text)) yield return new DocumentedCommand(document, i + 1, text, null, variables);
                }
                continue;
            }
            if (!shell) continue;
            int first = i;
            while (line.EndsWith('\\') && i + 1 < lines.Length) line = line[..^1] + " " + lines[++i].TrimEnd('\r').Trim();
            var command = Whitespace().Replace(StripComment(line), " ").Trim();
            if (Assignment().Match(command) is { Success: true } a)
                variables = new Dictionary<string, string>(variables) { [a.Groups[1].Value] = a.Groups[2].Value };
            else if (BlockCommand().IsMatch(command))
                yield return new DocumentedCommand(document, first + 1, command, block, variables);
        }
    }

    /// <summary>The shell's rule: <c>#</c> starts a comment at the start of a word, outside quotes.</summary>
    private static string StripComment(string line)
    {
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; }
            else if (c is '"' or '\'') quote = c;
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1]))) return line[..i];
        }
        return line;
    }

    [GeneratedRegex(@"^```(bash|sh|shell)\b")]
    private static partial Regex ShellFence();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^(effnet\s+[a-z-]|dotnet run --project src/EfficientNetLab\.Cli\b)")]
    private static partial Regex SpanCommand();

    [GeneratedRegex(@"(^|\s)(effnet\s+[a-z-]|dotnet run --project src/EfficientNetLab\.Cli\b)")]
    private static partial Regex BlockCommand();

    [GeneratedRegex("""^([A-Za-z_][A-Za-z0-9_]*)="([^"]*)"$""")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
