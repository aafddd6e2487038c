package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// envPrefix starts every environment variable ticklake reads. Variables that
// start with envTestPrefix belong to the test harness and are ignored.
const (
	envPrefix     = "TICKLAKE_"
	envTestPrefix = "TICKLAKE_TEST_"
)

// envName returns the environment variable bound to a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// bindConfig fills the flags of cmd that were not given on the command line,
// first from TICKLAKE_* variables, then from the YAML file. A key that no
// ticklake command knows, or a value a flag refuses, is an error naming it.
func bindConfig(cmd *cobra.Command, file string) error {
	if file == "" {
		file = os.Getenv(envName("config"))
	}
	values, err := readConfigFile(file)
	if err != nil {
		return err
	}
	if err := checkKeys(cmd.Root(), file, values); err != nil {
		return err
	}
	var errs []error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" || f.Name == "config" {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if err := setFlag(cmd, f, v); err != nil {
				errs = append(errs, fmt.Errorf("invalid value %q in %s: %w", v, envName(f.Name), err))
			}
			return
		}
		if v, ok := values[f.Name]; ok {
			if err := setFlag(cmd, f, v); err != nil {
				errs = append(errs, fmt.Errorf("invalid value %q for key %q in %s: %w", v, f.Name, file, err))
			}
		}
	})
	return errors.Join(errs...)
}

func setFlag(cmd *cobra.Command, f *pflag.Flag, v string) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		return sv.Replace(splitList(v))
	}
	return cmd.Flags().Set(f.Name, v)
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// readConfigFile decodes a flat YAML mapping of flag names to scalars or
// lists. Lists become comma-separated values.
func readConfigFile(file string) (map[string]string, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading config file: %w (check --config or TICKLAKE_CONFIG)", err)
	}
	var raw map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config file %s: %v (it must be a YAML mapping of flag names to values)", file, err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		switch x := v.(type) {
		case map[string]any:
			return nil, fmt.Errorf("config file %s: key %q holds a mapping; values must be scalars or lists", file, k)
		case []any:
			parts := make([]string, len(x))
			for i, p := range x {
				parts[i] = fmt.Sprint(p)
			}
			out[k] = strings.Join(parts, ",")
		case nil:
			out[k] = ""
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out, nil
}

// checkKeys refuses keys that are no flag of any ticklake command, so that a
// typo is caught instead of silently ignored.
func checkKeys(root *cobra.Command, file string, values map[string]string) error {
	if len(values) == 0 {
		return nil
	}
	known := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	var unknown []string
	for k := range values {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("config file %s: unknown key %q; keys are flag names such as data-dir or brokers (see ticklake <command> --help)", file, unknown[0])
	}
	return nil
}
