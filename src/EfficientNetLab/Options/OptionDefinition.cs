namespace EfficientNetLab.Options;

/// <summary>A value an option refuses, with the rule it broke: the same words from the CLI and the magics.</summary>
public sealed class OptionValueException(string option, string message) : ArgumentException(message)
{
    public string Option { get; } = option;
}

/// <summary>
/// One option as every front end offers it: its name, aliases, description, default, and how a value is parsed
/// and checked. The <c>effnet</c> CLI builds its System.CommandLine option from it and the notebook magics their
/// directive parameter; both parse with <see cref="Parse(IReadOnlyList{string})"/>, so a default or a rule is
/// written once.
/// </summary>
/// <param name="parse">Turns the option's values (<see cref="Arity"/> of them) into a checked value, or throws an
/// <see cref="OptionValueException"/> that names the option.</param>
public sealed class OptionDefinition<T>(string name, string description, T defaultValue, Func<IReadOnlyList<string>, T> parse)
{
    public string Name { get; } = name;
    public string Description { get; init; } = description;
    public T Default { get; init; } = defaultValue;
    public IReadOnlyList<string> Aliases { get; init; } = [];
    /// <summary>How many values the option takes after its name (three for --mean).</summary>
    public int Arity { get; init; } = 1;
    /// <summary>Values offered when completing (not a limit: parse decides what is valid).</summary>
    public IReadOnlyList<string> Suggestions { get; init; } = [];
    /// <summary>Whether values are numbers (how a notebook completes and highlights them).</summary>
    public bool IsNumeric { get; init; }

    /// <summary>The option's values as a command line gives them (one token each).</summary>
    public T Parse(IReadOnlyList<string> values)
    {
        if (values.Count != Arity)
            throw new OptionValueException(Name, $"{Name} takes {Arity} value{(Arity == 1 ? "" : "s")}, got {values.Count}.");
        return parse(values);
    }

    /// <summary>The option's text as a magic gets it (null: not given, so the default); several values are
    /// separated by spaces or commas.</summary>
    public T Parse(string? text) => text is null ? Default
        : Parse(Arity == 1 ? [text] : text.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The same option with a verb's own default (and description).</summary>
    public OptionDefinition<T> WithDefault(T value, string? description = null) =>
        new(Name, description ?? Description, value, parse) { Aliases = Aliases, Arity = Arity, Suggestions = Suggestions, IsNumeric = IsNumeric };

    public override string ToString() => Name;
}
