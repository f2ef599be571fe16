package protocol

// Size limits. A peer refuses anything larger with CodeTooLarge.
// Changing a limit downwards is a protocol change.
const (
	// MaxRevisionSize caps one encoded revision, signature included.
	MaxRevisionSize = 1 << 20
	// MaxGossipRevisionSize is the largest revision that travels whole
	// on the gossip topic; larger ones are announced by CID.
	MaxGossipRevisionSize = 64 << 10
	// MaxBlockSize caps one raw attachment block.
	MaxBlockSize = 1 << 20
	// MaxFrontMatterSize caps the YAML front matter of an entry file.
	MaxFrontMatterSize = 64 << 10
	// MaxBodySize caps the Markdown body of an entry.
	MaxBodySize = 512 << 10
	// MaxEntryFileSize caps an entry file read from disk or a form.
	MaxEntryFileSize = MaxFrontMatterSize + MaxBodySize + 1024
	// MaxAttachments caps the attachments of one revision.
	MaxAttachments = 64
	// MaxAttachmentSize caps one attachment (and so its block count).
	MaxAttachmentSize = 1 << 30
	// MaxParents caps the parents of one revision.
	MaxParents = 64
	// MaxEditors caps the editors listed in one revision.
	MaxEditors = 32
	// MaxNesting caps the depth of nested lists and maps in front matter.
	MaxNesting = 16
	// MaxMessageSize caps one framed message on a mutu stream.
	MaxMessageSize = 4 << 20
)
