package runconfig

// fieldReader reads several members and keeps the first error, so that one decoder
// reads like the wire form it decodes.
type fieldReader struct {
	f   fields
	err error
}

func (r *fieldReader) keep(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *fieldReader) str(name string) string {
	v, err := r.f.str(name)
	r.keep(err)
	return v
}

func (r *fieldReader) required(name string) string {
	v, err := r.f.required(name)
	r.keep(err)
	return v
}

func (r *fieldReader) boolean(name string) bool {
	v, err := r.f.boolean(name)
	r.keep(err)
	return v
}

func (r *fieldReader) strList(name string) []string {
	v, err := r.f.strList(name)
	r.keep(err)
	return v
}

func (r *fieldReader) strMap(name string) map[string]string {
	v, err := r.f.strMap(name)
	r.keep(err)
	return v
}

func (r *fieldReader) labels(name string) []string {
	v, err := r.f.labels(name)
	r.keep(err)
	return v
}

func (r *fieldReader) env(name string) map[string]any {
	v, err := r.f.env(name)
	r.keep(err)
	return v
}

func (r *fieldReader) object(name string) map[string]any {
	v, err := r.f.object(name)
	r.keep(err)
	return v
}

func (r *fieldReader) ports(name string) []int {
	v, err := r.f.ports(name)
	r.keep(err)
	return v
}

func (r *fieldReader) pyText(name string) string {
	v, err := r.f.pyText(name)
	r.keep(err)
	return v
}
