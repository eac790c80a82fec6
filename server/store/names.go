package store

import "math/rand/v2"

// Word lists for generated run names ("brave-otter"), as Prefect names runs it was not
// given a name for. Tables, not state.
var (
	nameAdjectives = []string{"amber", "bold", "brave", "bright", "calm", "clever", "cosmic", "crisp", "daring",
		"eager", "fancy", "gentle", "golden", "happy", "humble", "jolly", "keen", "lively", "lucky", "merry",
		"mighty", "nimble", "noble", "olive", "polite", "proud", "quick", "quiet", "rapid", "rustic", "shiny",
		"silver", "smart", "snappy", "steady", "sturdy", "sunny", "swift", "tidy", "vivid", "warm", "witty", "zesty"}
	nameNouns = []string{"badger", "beaver", "bison", "condor", "cougar", "coyote", "crane", "dingo", "dolphin",
		"eagle", "falcon", "ferret", "finch", "fox", "gecko", "heron", "ibis", "jackal", "jaguar", "koala",
		"lemur", "lynx", "marmot", "marten", "moose", "newt", "ocelot", "orca", "otter", "owl", "panda", "puffin",
		"quail", "raven", "robin", "salmon", "seal", "sparrow", "stork", "tapir", "toucan", "walrus", "wombat"}
)

// runName returns a random adjective-noun name.
func runName() string {
	return nameAdjectives[rand.IntN(len(nameAdjectives))] + "-" + nameNouns[rand.IntN(len(nameNouns))]
}
