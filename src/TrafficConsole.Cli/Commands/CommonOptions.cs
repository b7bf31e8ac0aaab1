using System.CommandLine;

namespace TrafficConsole.Cli.Commands;

/// <summary>The files argument and the options every verb has.</summary>
internal sealed class CommonOptions
{
    public const string Text = "text";
    public const string Json = "json";

    public CommonOptions(string filesDescription)
    {
        Files = new Argument<string[]>("files")
        {
            Description = filesDescription + " YAML (several documents, kind: List) or JSON; a directory means its *.yaml, *.yml and *.json files; '-' reads stdin.",
            Arity = ArgumentArity.OneOrMore,
        };

        // The parser hands a mistyped option (--outptu) to the files argument; say what it is instead of "no such file".
        Files.Validators.Add(static result =>
        {
            foreach (string token in result.Tokens.Select(static t => t.Value).Where(static v => v.Length > 1 && v.StartsWith('-')))
            {
                result.AddError($"Unrecognized option '{token}'.");
            }
        });
        Output = CreateOutput();
        Namespace = new Option<string?>("--namespace", "-n")
        {
            Description = "The namespace of resources that name none (as 'kubectl apply -n' would put them); default: 'default'.",
            HelpName = "namespace",
        };
        SkipUnknown = new Option<bool>("--skip-unknown")
        {
            Description = "Skip documents of kinds trafficconsole does not read (ServiceAccount, ConfigMap...) instead of failing on them.",
        };
    }

    public Argument<string[]> Files { get; }

    public Option<string> Output { get; }

    public Option<string?> Namespace { get; }

    public Option<bool> SkipUnknown { get; }

    public void AddTo(Command command)
    {
        command.Arguments.Add(Files);
        command.Options.Add(Output);
        command.Options.Add(Namespace);
        command.Options.Add(SkipUnknown);
    }

    public bool WantsJson(ParseResult result) => result.GetValue(Output) == Json;

    /// <summary><c>-o/--output text|json</c>, the same for every verb.</summary>
    public static Option<string> CreateOutput()
    {
        var output = new Option<string>("--output", "-o")
        {
            Description = "The report format: 'text' for people, 'json' for machines (see README.md for the document).",
            DefaultValueFactory = static _ => Text,
            HelpName = "text|json",
        };
        output.AcceptOnlyFromAmong(Text, Json);
        return output;
    }
}
