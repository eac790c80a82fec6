package runconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Storage types: Prefect's serialized storage classes, plus Script, Outpost's own.
const (
	StorageLocal      = "Local"
	StorageScript     = "Script"
	StorageGitHub     = "GitHub"
	StorageGitLab     = "GitLab"
	StorageBitbucket  = "Bitbucket"
	StorageGit        = "Git"
	StorageDocker     = "Docker"
	StorageS3         = "S3"
	StorageGCS        = "GCS"
	StorageAzure      = "Azure"
	StorageCodeCommit = "CodeCommit"
	StorageWebhook    = "Webhook"
	StorageModule     = "Module"
	StorageBase       = "Storage"
)

// storageTypes lists every type DecodeStorage accepts, in the order errors name them.
var storageTypes = []string{
	StorageLocal, StorageScript, StorageGitHub, StorageGitLab, StorageBitbucket, StorageGit,
	StorageDocker, StorageS3, StorageGCS, StorageAzure, StorageCodeCommit, StorageWebhook,
	StorageModule, StorageBase,
}

// ErrNoStorage means the flow has no storage (flow.storage is null).
var ErrNoStorage = errors.New("flow storage is missing: register the flow with a storage")

// Storage is a flow's storage as stored in flow.storage: the raw JSON plus the fields
// Outpost reads. Fields that do not apply to Type are empty; "" stands for None.
type Storage struct {
	Type    string
	Raw     json.RawMessage
	Secrets []string          // storage.secrets: names pre-loaded into the run's context
	Flows   map[string]string // flow name to location, for storages holding several flows

	// GitHub, GitLab, Bitbucket (and Repo for Git and CodeCommit).
	Repo              string
	Path              string // file in the repo; for Local and Docker, the flow's file
	Ref               string
	BaseURL           string // GitHub base_url: the API URL of a GitHub Enterprise server
	Host              string // GitLab or Bitbucket host
	AccessTokenSecret string // access_token_secret; see TokenSecret for the default
	// Bitbucket only.
	Project, Workspace                          string
	CloudUsernameSecret, CloudAppPasswordSecret string
	// Git only.
	GitTokenSecretName string

	// Docker.
	Registry       string // registry_url
	ImageName      string
	ImageTag       string
	PrefectVersion string

	// Local (also StoredAsScript for the other storages that have it).
	Directory      string
	StoredAsScript bool

	// Script, Outpost's native storage: the command run as is.
	Argv []string
}

// DecodeStorage decodes flow.storage ({"type": ..., ..., "__version__": ...}). Unknown
// members are ignored, as Prefect does; the members Outpost reads are type-checked, and
// the ones needed to load the flow are required.
func DecodeStorage(raw json.RawMessage) (Storage, error) {
	if isNull(raw) {
		return Storage{}, ErrNoStorage
	}
	f, err := decodeObject(raw, "flow storage")
	if err != nil {
		return Storage{}, err
	}
	typ, err := f.str("type")
	if err != nil {
		return Storage{}, err
	}
	if !slices.Contains(storageTypes, typ) {
		if typ == "" {
			return Storage{}, fmt.Errorf("flow storage: missing \"type\" (one of %s)", strings.Join(storageTypes, ", "))
		}
		return Storage{}, fmt.Errorf("flow storage: unknown type %q (one of %s)", typ, strings.Join(storageTypes, ", "))
	}
	f.where = fmt.Sprintf("flow storage (%s)", typ)
	s := Storage{Type: typ, Raw: append(json.RawMessage(nil), raw...)}
	r := fieldReader{f: f}
	s.Secrets = r.strList("secrets")
	s.Flows = r.strMap("flows")
	switch typ {
	case StorageLocal:
		s.Directory, s.Path, s.StoredAsScript = r.str("directory"), r.str("path"), r.boolean("stored_as_script")
	case StorageScript:
		s.Argv = r.strList("argv")
		if r.err == nil && len(s.Argv) == 0 {
			r.err = fmt.Errorf("%s: field \"argv\" is required: the command to run, as a non-empty list of strings", f.where)
		}
	case StorageGitHub:
		s.Repo, s.Path = r.required("repo"), r.required("path")
		s.Ref, s.BaseURL, s.AccessTokenSecret = r.str("ref"), r.str("base_url"), r.str("access_token_secret")
	case StorageGitLab:
		s.Repo, s.Path, s.Ref = r.required("repo"), r.str("path"), r.str("ref")
		s.Host, s.AccessTokenSecret = r.str("host"), r.str("access_token_secret")
	case StorageBitbucket:
		s.Project, s.Repo = r.required("project"), r.required("repo")
		s.Workspace, s.Host, s.Path, s.Ref = r.str("workspace"), r.str("host"), r.str("path"), r.str("ref")
		s.AccessTokenSecret = r.str("access_token_secret")
		s.CloudUsernameSecret, s.CloudAppPasswordSecret = r.str("cloud_username_secret"), r.str("cloud_app_password_secret")
	case StorageGit:
		s.Repo, s.Path, s.GitTokenSecretName = r.str("repo"), r.str("flow_path"), r.str("git_token_secret_name")
	case StorageCodeCommit:
		s.Repo, s.Path = r.str("repo"), r.str("path")
	case StorageDocker:
		s.Registry, s.ImageName, s.ImageTag = r.str("registry_url"), r.str("image_name"), r.str("image_tag")
		s.PrefectVersion, s.Path = r.str("prefect_version"), r.str("path")
		s.StoredAsScript = r.boolean("stored_as_script")
	case StorageS3, StorageGCS, StorageAzure, StorageWebhook:
		s.StoredAsScript = r.boolean("stored_as_script")
	}
	if r.err != nil {
		return Storage{}, r.err
	}
	return s, nil
}

// ImageRef is the Docker storage's image, as Prefect's Docker.name builds it:
// PurePosixPath(registry_url or "", image_name) + ":" + image_tag.
func (s Storage) ImageRef() (string, error) {
	if s.ImageName == "" || s.ImageTag == "" {
		// Prefect's message, word for word (hence the capital).
		return "", errors.New("Docker storage is missing required fields image_name and image_tag")
	}
	return purePosixJoin(s.Registry, s.ImageName) + ":" + s.ImageTag, nil
}
