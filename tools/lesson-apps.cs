#!/usr/bin/env dotnet
// Turns every lesson notebook notebooks/NN-*.ipynb into the .NET 10 file-based app notebooks/apps/NN-*.cs that
// runs the same lesson without Jupyter (`cd notebooks/apps && dotnet run NN-x.cs`). The notebooks are the source;
// the apps are generated and committed, and `--check` (run by ./test.sh, fast mode included) fails naming every
// app that is stale, so the two cannot drift.
//   tools/lesson-apps.cs            (re)write the apps that differ, delete apps whose notebook is gone
//   tools/lesson-apps.cs --check    write nothing; exit 1 naming each stale, missing or orphaned app
//   tools/lesson-apps.cs -- --help  this usage (a bare --help is dotnet run's own)
// A C# app rather than a Python script because it reads what it emits from the code it targets: the facade's
// request types say which magic options exist and what type each takes (--batch-size → BatchSize, int or int[]),
// KitOptions parses and validates a value exactly as the magic would, and Roslyn finds a cell's using directives
// and its trailing display expression (a last statement without ';', as a notebook displays it) without guessing.
// What a lesson becomes:
//   - markdown cells: `//` comments, so the app reads like the lesson;
//   - C# cells: verbatim, except that their using directives move to the top of the file and a trailing display
//     expression `x` becomes `lesson.Show(x);` (LessonOutput: text to stdout, HTML views into $EFFNET_OUT);
//   - the cell that loads the kit (#r "nuget: EfficientNetLab.Interactive…"): dropped, its usings kept; the app
//     references the library by #:project instead;
//   - magic lines: one facade call each (Lab.LoadAsync, Lab.ClassifyAsync, …), preceded by the magic as a comment.
// An unknown magic or option, a value the option refuses, another #r or a non-C# cell stops the generator with a
// message naming the notebook, the cell and the option.
#:project ../src/EfficientNetLab.Reports/EfficientNetLab.Reports.csproj
#:package Microsoft.CodeAnalysis.CSharp@5.12.0
// File-based apps default to Native AOT settings; this one reflects over the facade's request types.
#:property PublishAot=false
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EfficientNetLab;
using EfficientNetLab.Models;
using EfficientNetLab.Options;
using EfficientNetLab.Reports;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

if (args is ["-h" or "--help"])
    return Exit(0, "usage: tools/lesson-apps.cs [--check]\n  writes notebooks/apps/NN-x.cs from each notebooks/NN-x.ipynb (and deletes\n" +
                   "  generated apps whose notebook is gone); --check writes nothing and exits 1 naming each app that is stale");
if (args is not ([] or ["--check"]))
    return Exit(2, $"lesson-apps: unknown arguments '{string.Join(' ', args)}' (usage: tools/lesson-apps.cs [--check])");
var check = args is ["--check"];

var repo = Path.GetFullPath(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string
    ?? throw new InvalidOperationException("run with `dotnet run tools/lesson-apps.cs` (.NET 10 SDK or later)"), ".."));
var notebooks = Path.Combine(repo, "notebooks");
var appsDir = Path.Combine(notebooks, "apps");

var lessons = Directory.GetFiles(notebooks, "*.ipynb").Select(Path.GetFileName).OfType<string>()
    .Where(n => Regex.IsMatch(n, @"^\d\d-.+\.ipynb$")).Order(StringComparer.Ordinal).ToArray();
var problems = new List<string>();
var expected = new HashSet<string>(StringComparer.Ordinal);
foreach (var notebook in lessons)
{
    var lesson = Path.GetFileNameWithoutExtension(notebook);
    var appName = lesson + ".cs";
    expected.Add(appName);
    string text;
    try
    {
        text = LessonApp.Generate(lesson, File.ReadAllText(Path.Combine(notebooks, notebook)));
    }
    catch (LessonException e)
    {
        return Exit(1, $"lesson-apps: notebooks/{notebook}: {e.Message}");
    }
    catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
    {
        return Exit(1, $"lesson-apps: notebooks/{notebook} is not a notebook as Jupyter writes it (nbformat 4): {e.Message}");
    }
    var path = Path.Combine(appsDir, appName);
    var current = File.Exists(path) ? File.ReadAllText(path) : null;
    if (current == text) continue;
    if (check)
        problems.Add(current is null ? $"notebooks/apps/{appName} is missing" : $"notebooks/apps/{appName} is stale (notebooks/{notebook} generates something else)");
    else
    {
        Directory.CreateDirectory(appsDir);
        File.WriteAllText(path, text);
        Console.WriteLine($"wrote notebooks/apps/{appName}");
    }
}
// Apps this tool wrote for a notebook that no longer exists; hand-written apps (no marker) are left alone.
foreach (var orphan in Directory.Exists(appsDir) ? Directory.GetFiles(appsDir, "*.cs") : [])
{
    var name = Path.GetFileName(orphan);
    if (expected.Contains(name) || !File.ReadLines(orphan).Take(1).Any(l => l.Contains(LessonApp.Marker, StringComparison.Ordinal))) continue;
    if (check) problems.Add($"notebooks/apps/{name} is stale (its notebook is gone)");
    else
    {
        File.Delete(orphan);
        Console.WriteLine($"deleted notebooks/apps/{name} (its notebook is gone)");
    }
}
if (problems.Count > 0)
    return Exit(1, string.Join("\n", problems) + "\nlesson-apps: run tools/lesson-apps.cs to regenerate them");
Console.WriteLine(check ? $"lesson-apps: {lessons.Length} apps up to date" : $"lesson-apps: {lessons.Length} apps generated");
return 0;

static int Exit(int code, string message)
{
    (code == 0 ? Console.Out : Console.Error).WriteLine(message);
    return code;
}

/// <summary>What is wrong with a notebook, named by cell: the generator stops on it.</summary>
sealed class LessonException(string message) : Exception(message);

static class LessonApp
{
    /// <summary>Marks a file as generated (the first line of every app): only such files are replaced or deleted.</summary>
    public const string Marker = "Generated by tools/lesson-apps.cs";

    /// <summary>The app's LessonOutput variable: every shown value goes through it.</summary>
    public const string Output = "lesson";
    public const string Show = Output + ".Show";

    private static readonly CSharpParseOptions Script = new(LanguageVersion.Preview, kind: SourceCodeKind.Script);

    public static string Generate(string lesson, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var usings = new List<string>();
        var body = new StringBuilder();
        int number = 0;
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            number++;
            var source = Source(cell);
            var kind = cell.GetProperty("cell_type").GetString();
            string block;
            if (kind == "markdown")
                block = string.Join("\n", source.TrimEnd().Split('\n').Select(l => ("// " + l).TrimEnd()));
            else if (kind == "code")
            {
                try
                {
                    block = Code(source, Language(cell), usings);
                }
                catch (LessonException e)
                {
                    throw new LessonException($"cell {number}: {e.Message}");
                }
            }
            else continue;  // raw cells are not part of the lesson's run
            if (block.Length > 0) body.Append('\n').Append(block).Append('\n');
        }
        foreach (var type in new[] { typeof(Lab), typeof(LessonOutput) })
            AddUsing(usings, $"using {type.Namespace};");
        foreach (var ns in Emitted.Namespaces.Order(StringComparer.Ordinal))
            AddUsing(usings, $"using {ns};");
        Emitted.Namespaces.Clear();

        var sb = new StringBuilder();
        sb.Append($"""
            // {Marker} from notebooks/{lesson}.ipynb: edit the notebook, then run
            // tools/lesson-apps.cs (./test.sh fails while this file is stale). The lesson without Jupyter, offline:
            //   cd notebooks/apps && dotnet run {lesson}.cs
            // It prints what the notebook shows as text and writes each chart and report as a self-contained HTML page
            // into $EFFNET_OUT (default notebooks/apps/out/{lesson}/). The magics are calls of the C# facade Lab.
            #:project ../../src/EfficientNetLab.Reports/EfficientNetLab.Reports.csproj
            // The native libtorch the effnet tool carries (Directory.Build.targets).
            #:property UsesTorchNative=true
            // File-based apps default to Native AOT settings, under which the library's reflection-based
            // System.Text.Json throws.
            #:property PublishAot=false

            """);
        foreach (var u in usings) sb.Append(u).Append('\n');
        sb.Append($"""

            // glibc gives each thread but the first its own malloc arena, which makes libtorch 6-8x slower on the threads
            // accuracy runs compute on: start again once with MALLOC_ARENA_MAX=1, as the effnet tool does.
            EfficientNetLab.Devices.TorchRuntime.ReexecWithSingleMallocArena();
            // The lesson's relative paths are the notebook's, which runs in notebooks/: work there wherever this started.
            Directory.SetCurrentDirectory(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string
                ?? throw new InvalidOperationException("run this lesson with `dotnet run {lesson}.cs` (.NET 10 SDK or later)"), ".."));
            var {Output} = LessonOutput.Open("{lesson}");

            """);
        sb.Append(body);
        return sb.ToString();
    }

    private static string Source(JsonElement cell) => cell.GetProperty("source") switch
    {
        { ValueKind: JsonValueKind.Array } lines => string.Concat(lines.EnumerateArray().Select(l => l.GetString())),
        var text => text.GetString() ?? "",
    };

    private static string Language(JsonElement cell)
    {
        if (cell.TryGetProperty("metadata", out var m))
        {
            if (m.TryGetProperty("dotnet_interactive", out var di) && di.TryGetProperty("language", out var l)) return l.GetString() ?? "csharp";
            if (m.TryGetProperty("polyglot_notebook", out var pn) && pn.TryGetProperty("kernelName", out var k)) return k.GetString() ?? "csharp";
        }
        return "csharp";
    }

    private static void AddUsing(List<string> usings, string directive)
    {
        if (!usings.Contains(directive, StringComparer.Ordinal)) usings.Add(directive);
    }

    /// <summary>One code cell as app code: its using directives go to <paramref name="usings"/>.</summary>
    private static string Code(string source, string language, List<string> usings)
    {
        if (language != "csharp") throw new LessonException($"a {language} cell: the apps are C# only");
        var lines = source.Replace("\r\n", "\n").Split('\n');
        bool kit = false;
        var segments = new List<(bool Magic, string Text)>();
        var chunk = new List<string>();
        void Flush()
        {
            if (chunk.Count > 0) segments.Add((false, string.Join("\n", chunk)));
            chunk.Clear();
        }
        foreach (var line in lines)
        {
            var t = line.TrimStart();
            if (t.StartsWith("#!", StringComparison.Ordinal))
            {
                Flush();
                segments.Add((true, t.TrimEnd()));
            }
            else if (t.StartsWith("#r ", StringComparison.Ordinal) || t.StartsWith("#i ", StringComparison.Ordinal))
            {
                if (!Regex.IsMatch(t, @"^#r\s+""nuget:\s*EfficientNetLab\.Interactive\b"))
                    throw new LessonException($"'{t.Trim()}': only the kit's own #r \"nuget: EfficientNetLab.Interactive…\" is known (the apps reference the library by #:project)");
                kit = true;
            }
            else chunk.Add(line);
        }
        Flush();
        var output = new List<string>();
        for (int i = 0; i < segments.Count; i++)
        {
            var (magic, text) = segments[i];
            if (magic)
            {
                output.Add("// " + text);
                output.Add(Magics.Translate(text));
            }
            else
            {
                // The kit's cell only loads the package (the #:project line does that here): its usings stay.
                var code = CSharp(text, usings, displayLast: i == segments.Count - 1);
                if (!kit && code.Length > 0) output.Add(code);
            }
        }
        return string.Join("\n", output).Trim('\n');
    }

    /// <summary>C# as the notebook has it, without its using directives (hoisted) and with a trailing display
    /// expression shown through the lesson's output.</summary>
    private static string CSharp(string code, List<string> usings, bool displayLast)
    {
        var tree = CSharpSyntaxTree.ParseText(code, Script);
        if (tree.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } error)
            throw new LessonException($"does not parse as C#: {error}");
        var root = (CompilationUnitSyntax)tree.GetRoot();
        if (root.DescendantNodes().Any(n => n is VariableDeclaratorSyntax { Identifier.Text: Output } or SingleVariableDesignationSyntax { Identifier.Text: Output }
                or LocalFunctionStatementSyntax { Identifier.Text: Output }))
            throw new LessonException($"declares '{Output}', the app's own variable for what the lesson shows: rename it");
        var changes = new List<TextChange>();
        foreach (var u in root.Usings)
        {
            AddUsing(usings, u.WithoutTrivia().ToFullString());
            // The directive and the rest of its line go; a comment above it stays where it was.
            changes.Add(new TextChange(TextSpan.FromBounds(u.Span.Start, u.FullSpan.End), ""));
        }
        if (displayLast && root.Members.LastOrDefault() is GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } shown })
            changes.Add(new TextChange(shown.Span, $"{Show}({shown.Expression});"));
        var text = SourceText.From(code).WithChanges(changes).ToString();
        return string.Join("\n", text.Split('\n').Select(l => l.TrimEnd())).Trim('\n');
    }
}

/// <summary>Namespaces of the types the magic translations name (request types, enums): hoisted with the usings.</summary>
static class Emitted
{
    public static readonly HashSet<string> Namespaces = new(StringComparer.Ordinal);
}

/// <summary>
/// The kit's magics as facade calls (issue #16's contract). Options map to the request type's property of the same
/// name in PascalCase; what type a value takes is that property's type, and an option that <see cref="KitOptions"/>
/// defines is parsed (and refused) by that definition, as the magic would.
/// </summary>
static class Magics
{
    public static string Translate(string line)
    {
        var tokens = Tokenize(line);
        var magic = tokens[0];
        var rest = tokens.Skip(1).ToList();
        return magic switch
        {
            "#!efficientnet" => Load(rest),
            "#!classify" => Classify(rest),
            "#!preprocess" => Preprocess(rest),
            "#!accuracy" => Accuracy(rest),
            "#!benchmark" => Benchmark(rest),
            "#!cuda-info" => CudaInfo(rest),
            _ => throw new LessonException($"unknown magic {magic} (the apps know #!efficientnet, #!classify, #!preprocess, #!accuracy, #!benchmark, #!cuda-info)"),
        };
    }

    private static string Load(List<string> tokens)
    {
        var o = Parse("#!efficientnet", tokens, typeof(LoadRequest), implicitProperty: null, variables: ["--name"]);
        var name = o.Variables.GetValueOrDefault("--name") ?? LoadRequest.DefaultName;
        return $"var {name} = await Lab.LoadAsync({o.Request});\n{LessonApp.Show}(Lab.Card({name}, {Literal(name)}));";
    }

    private static string Classify(List<string> tokens)
    {
        var o = Parse("#!classify", tokens, typeof(ClassifyRequest), implicitProperty: "Image", variables: ["--model"]);
        var model = Required(o, "#!classify", "--model");
        return $"{LessonApp.Show}(await Lab.ClassifyAsync({model}, {o.Request}{ModelName(nameof(Lab.ClassifyAsync), model)}));";
    }

    private static string Preprocess(List<string> tokens)
    {
        // --model is a variant (its published preset) or, as in the magic, a model variable (its own preset).
        int at = tokens.IndexOf("--model");
        if (at >= 0 && at + 1 < tokens.Count && !EfficientNetVariants.TryGet(tokens[at + 1], out _))
        {
            var o = Parse("#!preprocess", tokens, typeof(PreprocessRequest), implicitProperty: "Image", variables: ["--model"]);
            if (o.Values.Keys.Any(k => k != "Image"))
                throw new LessonException($"#!preprocess with a model variable takes only IMAGE and --model");
            return $"{LessonApp.Show}(Lab.Preprocess({o.Values["Image"]}, {o.Variables["--model"]}));";
        }
        return $"{LessonApp.Show}(Lab.Preprocess({Parse("#!preprocess", tokens, typeof(PreprocessRequest), implicitProperty: "Image", variables: []).Request}));";
    }

    private static string Accuracy(List<string> tokens)
    {
        var o = Parse("#!accuracy", tokens, typeof(AccuracyRequest), implicitProperty: null, variables: ["--model", "--name", "--run"]);
        var name = o.Variables.GetValueOrDefault("--name") ?? AccuracyRequest.DefaultName;
        if (o.Raw.TryGetValue("--run", out var run))
        {
            var others = o.Given.Where(g => g is not ("--run" or "--name")).ToArray();
            if (others.Length > 0)
                throw new LessonException($"#!accuracy --run shows a saved run: {string.Join(", ", others)} cannot go with it");
            return $"var {name} = Lab.OpenRun({Literal(run)});\n{LessonApp.Show}({name});";
        }
        var model = Required(o, "#!accuracy", "--model");
        return $"var {name} = await Lab.AccuracyAsync({model}, {o.Request}{ModelName(nameof(Lab.AccuracyAsync), model)});\n{LessonApp.Show}({name});";
    }

    private static string Benchmark(List<string> tokens)
    {
        var o = Parse("#!benchmark", tokens, typeof(BenchmarkRequest), implicitProperty: null, variables: ["--model"]);
        var model = Required(o, "#!benchmark", "--model");
        return $"{LessonApp.Show}(await Lab.BenchmarkAsync({model}, {o.Request}{ModelName(nameof(Lab.BenchmarkAsync), model)}));";
    }

    private static string CudaInfo(List<string> tokens)
    {
        // As the magic: the device report, then (with --watch) the live chart.
        const string info = $"{LessonApp.Show}(Lab.DeviceInfo());";
        if (tokens.Count == 0) return info;
        var o = Parse("#!cuda-info", tokens, typeof(WatchRequest), implicitProperty: null, variables: []);
        if (!o.Given.Contains("--watch")) throw new LessonException("#!cuda-info: --samples goes with --watch");
        return $"{info}\n{LessonApp.Show}(await Lab.WatchAsync({o.Request}));";
    }

    /// <summary>The facade call's optional modelName argument (the name the result shows), when it has one.</summary>
    private static string ModelName(string method, string model) =>
        typeof(Lab).GetMethods().Any(m => m.Name == method && m.GetParameters().Any(p => p.Name == "modelName"))
            ? $", modelName: {Literal(model)}" : "";

    private static string Required(Options o, string magic, string option) =>
        o.Variables.GetValueOrDefault(option) ?? throw new LessonException($"{magic} needs {option} (the C# variable of a model)");

    private sealed record Options(string Request, Dictionary<string, string> Values, Dictionary<string, string> Variables,
        Dictionary<string, string> Raw, List<string> Given);

    /// <summary>
    /// A magic's options against its request type. <paramref name="variables"/> are options whose value is a C#
    /// variable (or, --run, a folder) rather than a request property.
    /// </summary>
    private static Options Parse(string magic, List<string> tokens, Type request, string? implicitProperty, string[] variables)
    {
        var values = new Dictionary<string, string>();  // property → C# expression, in the order given
        var vars = new Dictionary<string, string>();
        var raw = new Dictionary<string, string>();
        var given = new List<string>();
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal))
            {
                if (implicitProperty is null)
                    throw new LessonException($"{magic}: '{token}' is not an option (options start with --)");
                if (values.ContainsKey(implicitProperty)) throw new LessonException($"{magic}: a second {implicitProperty.ToUpperInvariant()} '{token}'");
                values[implicitProperty] = Value(magic, "--" + implicitProperty.ToLowerInvariant(), Property(magic, request, implicitProperty, token), token);
                continue;
            }
            if (given.Contains(token)) throw new LessonException($"{magic}: {token} is given twice");
            given.Add(token);
            if (variables.Contains(token))
            {
                var v = i + 1 < tokens.Count ? tokens[++i] : throw new LessonException($"{magic}: {token} needs a value");
                if (token != "--run" && !SyntaxFacts.IsValidIdentifier(v))
                    throw new LessonException($"{magic}: {token} '{v}' is not a C# variable name");
                if (token == "--name" && v == LessonApp.Output)
                    throw new LessonException($"{magic}: --name '{v}' is the app's own variable for what the lesson shows: choose another name");
                vars[token] = v;
                raw[token] = v;
                continue;
            }
            var name = string.Concat(token[2..].Split('-').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
            var property = Property(magic, request, name, token);
            if (property.PropertyType == typeof(bool))
            {
                values[property.Name] = "true";
                continue;
            }
            var value = i + 1 < tokens.Count && !tokens[i + 1].StartsWith("--", StringComparison.Ordinal) ? tokens[++i]
                : throw new LessonException($"{magic}: {token} needs a value");
            values[property.Name] = Value(magic, token, property, value);
            raw[token] = value;
        }
        var init = values.Count == 0 ? $"new {request.Name}()" : $"new {request.Name} {{ {string.Join(", ", values.Select(kv => $"{kv.Key} = {kv.Value}"))} }}";
        Emitted.Namespaces.Add(request.Namespace!);
        return new Options(init, values, vars, raw, given);
    }

    private static PropertyInfo Property(string magic, Type request, string name, string option) =>
        request.GetProperty(name, BindingFlags.Public | BindingFlags.Instance) is { CanWrite: true } p ? p
            : throw new LessonException($"{magic}: unknown option {option} ({request.Name} has no property {name})");

    /// <summary>The C# expression for an option's value, typed as the request property is.</summary>
    private static string Value(string magic, string option, PropertyInfo property, string text)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        object? parsed;
        try
        {
            parsed = KitParse(option, type, text);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException a)
        {
            throw new LessonException($"{magic}: {a.Message}");
        }
        if (type == typeof(string)) return Literal(text);
        if (type == typeof(string[]))
        {
            // A JSON array of paths, as the magic takes several images, or one path.
            string[] items;
            try
            {
                items = text.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(text)! : [text];
            }
            catch (JsonException e)
            {
                throw new LessonException($"{magic}: {option} '{text}' is neither a path nor a JSON array of strings ({e.Message})");
            }
            return $"[{string.Join(", ", items.Select(Literal))}]";
        }
        parsed ??= type switch
        {
            _ when type == typeof(int) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
                : throw new LessonException($"{magic}: {option} takes a whole number, got '{text}'"),
            _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
                : throw new LessonException($"{magic}: {option} takes a number, got '{text}'"),
            _ when type == typeof(int[]) => text.Split(',').Select(p => int.TryParse(p.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
                : throw new LessonException($"{magic}: {option} takes whole numbers separated by commas, got '{text}'")).ToArray(),
            _ when type.IsEnum => Enum.GetValues(type).Cast<object>().FirstOrDefault(v => Squash(v.ToString()!) == Squash(text))
                ?? throw new LessonException($"{magic}: {option} is one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}, got '{text}'"),
            _ => throw new LessonException($"{magic}: {option}: the generator cannot write a {type.Name} ({property.DeclaringType!.Name}.{property.Name})"),
        };
        return parsed switch
        {
            int n => n.ToString(CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            int[] list => $"[{string.Join(", ", list)}]",
            Enum e => Enumerated(e),
            _ => throw new LessonException($"{magic}: {option}: the generator cannot write a {parsed.GetType().Name}"),
        };
    }

    private static string Squash(string s) => s.Replace("-", "").Replace("_", "").ToLowerInvariant();

    private static string Enumerated(Enum e)
    {
        Emitted.Namespaces.Add(e.GetType().Namespace!);
        return $"{e.GetType().Name}.{e}";
    }

    /// <summary>
    /// The value as KitOptions' definition of the option parses it (the rule and message the magic uses), or null
    /// when KitOptions has no definition of that name for this type (the option is the magic's own, e.g. --data).
    /// </summary>
    private static object? KitParse(string option, Type type, string text)
    {
        foreach (var field in typeof(KitOptions).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (!field.FieldType.IsGenericType || field.FieldType.GetGenericTypeDefinition() != typeof(OptionDefinition<>)) continue;
            var definition = field.GetValue(null)!;
            var valueType = field.FieldType.GetGenericArguments()[0];
            if ((string)field.FieldType.GetProperty("Name")!.GetValue(definition)! != option) continue;
            if ((Nullable.GetUnderlyingType(valueType) ?? valueType) != type) continue;
            return field.FieldType.GetMethod("Parse", [typeof(string)])!.Invoke(definition, [text]);
        }
        return null;
    }

    public static string Literal(string s) => SymbolDisplay.FormatLiteral(s, quote: true);

    /// <summary>A magic line's words: quoted strings (JSON escapes) and JSON arrays stay one word each.</summary>
    private static List<string> Tokenize(string line)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i]))
            {
                i++;
                continue;
            }
            int start = i, depth = 0;
            bool quoted = false;
            for (; i < line.Length; i++)
            {
                char c = line[i];
                if (quoted)
                {
                    if (c == '\\') i++;
                    else if (c == '"') quoted = false;
                }
                else if (c == '"') quoted = true;
                else if (c == '[') depth++;
                else if (c == ']') depth--;
                else if (char.IsWhiteSpace(c) && depth == 0) break;
            }
            var word = line[start..Math.Min(i, line.Length)];
            tokens.Add(word.Length >= 2 && word[0] == '"' && word[^1] == '"' ? JsonSerializer.Deserialize<string>(word)! : word);
        }
        return tokens;
    }
}
