namespace TrafficConsole.Mesh.Routing;

/// <summary>Integer apportionment: shares that add up to an exact total.</summary>
public static class Apportion
{
    /// <summary>
    /// Splits <paramref name="total"/> in proportion to <paramref name="weights"/> with the largest-remainder
    /// method; ties go to the later entries (so 1:1:1 of 100 is 33/33/34). All-zero weights give all zeros.
    /// </summary>
    public static int[] LargestRemainder(IReadOnlyList<long> weights, int total)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int[] result = new int[weights.Count];
        long sum = weights.Sum(static w => Math.Max(0, w));
        if (sum == 0 || total <= 0)
        {
            return result;
        }

        long[] remainders = new long[weights.Count];
        int assigned = 0;
        for (int i = 0; i < weights.Count; i++)
        {
            long scaled = Math.Max(0, weights[i]) * total;
            result[i] = (int)(scaled / sum);
            remainders[i] = scaled % sum;
            assigned += result[i];
        }

        int left = total - assigned;
        IEnumerable<int> order = Enumerable.Range(0, weights.Count)
            .OrderByDescending(i => remainders[i])
            .ThenByDescending(static i => i);
        foreach (int i in order.Take(left))
        {
            result[i]++;
        }

        return result;
    }

    /// <summary>Splits <paramref name="total"/> evenly over <paramref name="count"/> slots, the remainder to the last ones.</summary>
    public static int[] Evenly(int count, int total)
    {
        int[] result = new int[Math.Max(0, count)];
        if (count <= 0)
        {
            return result;
        }

        int share = total / count;
        int remainder = total % count;
        for (int i = 0; i < count; i++)
        {
            result[i] = share + (i >= count - remainder ? 1 : 0);
        }

        return result;
    }
}
