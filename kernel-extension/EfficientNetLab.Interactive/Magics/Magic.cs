using System.Text;
using System.Text.Json;
using EfficientNetLab.Options;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Directives;

namespace EfficientNetLab.Interactive.Magics;

/// <summary>Options every magic has.</summary>
public abstract class MagicCommand : KernelDirectiveCommand
{
    public bool Help { get; set; }
}

/// <summary>A magic's name, description and parameters: what --help prints.</summary>
public sealed record MagicHelp(string Name, string Description, string Usage, IReadOnlyList<(string Name, string Description)> Parameters)
{
    public override string ToString()
    {
        var sb = new StringBuilder($"{Name}: {Description}\nusage: {Usage}\n");
        foreach (var (n, d) in Parameters) sb.Append($"  {(n.Length == 0 ? "<value>" : n),-18} {d}\n");
        return sb.ToString().TrimEnd();
    }
}

internal static class Magic
{
    /// <summary>
    /// Registers a magic with its own --help (dotnet-interactive has none, and Jupyter never asks for hover text)
    /// and turns any failure into one line: a notebook user needs the reason, not a .NET stack trace.
    /// </summary>
    public static MagicHelp Add<TCommand>(Kernel kernel, string name, string description, string usage,
        IEnumerable<KernelDirectiveParameter> parameters, Func<TCommand, KernelInvocationContext, Task> run)
        where TCommand : MagicCommand
    {
        var directive = new KernelActionDirective(name) { Description = description };
        foreach (var p in parameters) directive.Parameters.Add(p);
        directive.Parameters.Add(new KernelDirectiveParameter("--help", "Show what this magic does and its options.") { Flag = true });
        var help = new MagicHelp(name, description, usage, directive.Parameters.Select(p => (p.Name, p.Description)).ToArray());
        kernel.AddDirective<TCommand>(directive, async (command, context) =>
        {
            if (command.Help)
            {
                context.Display(help, "text/html", "text/plain");
                return;
            }
            try
            {
                await run(command, context);
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                // The interrupt itself is reported by the kernel; what was shown so far stays.
            }
            catch (Exception e)
            {
                context.Fail(command, message: $"{name}: {OneLine(e)} (see {name} --help)");
            }
        });
        return help;
    }

    public static string OneLine(Exception e)
    {
        while (e is AggregateException { InnerException: { } inner } || e is TypeInitializationException { InnerException: { } } ||
               e is System.Reflection.TargetInvocationException { InnerException: { } })
            e = e.InnerException!;
        var message = e switch
        {
            FileNotFoundException f when f.FileName is not null => $"{f.FileName}: file not found.",
            _ => e.Message,
        };
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 0 ? line : e.GetType().Name;
    }

    public static KernelDirectiveParameter Option(string name, string description, IEnumerable<string>? completions = null,
        bool implicitName = false, string typeHint = "text", int maxOccurrences = 1)
    {
        var p = new KernelDirectiveParameter(name, description) { AllowImplicitName = implicitName, TypeHint = typeHint, MaxOccurrences = maxOccurrences };
        if (completions is not null)
        {
            var values = completions.ToArray();
            p.AddCompletions(() => values);
        }
        return p;
    }

    public static KernelDirectiveParameter Flag(string name, string description) => new(name, description) { Flag = true };

    /// <summary>The parameter for an option the CLI shares (<see cref="KitOptions"/>): its name, its description
    /// with the default, and its suggested values.</summary>
    public static KernelDirectiveParameter Option<T>(OptionDefinition<T> definition) =>
        Option(definition.Name, definition.Description + DefaultText(definition.Default),
            definition.Suggestions.Count > 0 ? definition.Suggestions : null, typeHint: definition.IsNumeric ? "number" : "text");

    /// <summary>
    /// A shared option's value as the CLI would parse it. The value arrives as JSON (a bare 64 is a number, a word a
    /// string), so it is taken back to the text that was typed; not given, it is the definition's default.
    /// </summary>
    public static T Parse<T>(OptionDefinition<T> definition, JsonElement? value) => definition.Parse(Text(value));

    /// <summary>An option's value as it was typed (null: not given), for a request that parses it itself.</summary>
    public static string? Text(JsonElement? value) => value switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { } other => other.GetRawText(),
    };

    private static string DefaultText(object? value) => value switch
    {
        null => "",
        int[] list => $" Default: {string.Join(',', list)}.",
        Enum e => $" Default: {e.ToString().ToLowerInvariant()}.",
        _ => $" Default: {value}.",
    };

    public static IEnumerable<string> Variants => Models.EfficientNetVariants.All.Select(v => v.Name);

    public static string Require(string? value, string option) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{option} is required.") : value;
}
