using TrafficConsole.Sandbox.Auth;

namespace TrafficConsole.Sandbox.Tests.Auth;

/// <summary>The kube-apiserver token-file format, as an operator writes it.</summary>
public sealed class TokenFileTests
{
    [Fact]
    public void Lines_give_token_user_uid_and_the_quoted_groups()
    {
        var tokens = TokenFile.Parse(""""
            t1,alice,u1,"a,b"
            t2,bob,u2
            "t,3","carol ""c""",u3,ops
            """");

        Assert.Equal(3, tokens.Length);
        Assert.Equal(("t1", "alice", "u1"), (tokens[0].Token, tokens[0].User, tokens[0].Uid));
        Assert.Equal(["a", "b"], tokens[0].Groups.ToArray());
        Assert.Empty(tokens[1].Groups);
        Assert.Equal(("t,3", "carol \"c\""), (tokens[2].Token, tokens[2].User));
        Assert.Equal(["ops"], tokens[2].Groups.ToArray());
    }

    [Theory]
    [InlineData(",alice,u1", "token file 'tokens.csv' line 1: the token is empty")]
    [InlineData("t1,alice,u1\nt1,bob,u2", "token file 'tokens.csv' line 2: the token is a duplicate of an earlier line's")]
    [InlineData("t1,\"alice,u1", "token file 'tokens.csv' line 1: a quoted field is not closed")]
    public void Bad_lines_are_refused_naming_the_line(string text, string message) =>
        Assert.Equal(message, Assert.Throws<InvalidDataException>(() => TokenFile.Parse(text, "tokens.csv")).Message);

    [Fact]
    public void Format_writes_a_line_parse_reads_back()
    {
        var token = new SandboxToken("tok", "dave", "u4", ["x", "y"]);

        Assert.Equal(token.Groups.ToArray(), TokenFile.Parse(TokenFile.Format(token)).Single().Groups.ToArray());
        Assert.DoesNotContain("tok", token.ToString(), StringComparison.Ordinal);
    }
}
