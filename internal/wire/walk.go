package wire

import (
	"reflect"
	"time"
)

// Present reports whether the member value v (a field of a generated
// struct) should be written to the wire. Nil pointers, nil slices and maps,
// zero times, and empty strings of optional members are absent; everything
// else, including zero numbers and false of required members and empty
// but non-nil lists, is present.
func Present(m *Member, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil()
	case reflect.Slice:
		return !v.IsNil()
	case reflect.Map:
		return !v.IsNil()
	case reflect.String:
		return m.Required || v.Len() > 0
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return !t.IsZero()
		}
		return true
	default:
		return true
	}
}

// Indirect dereferences pointers.
func Indirect(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return v
		}
		v = v.Elem()
	}
	return v
}

// Field returns the value of structure member i of the struct value v.
func Field(v reflect.Value, i int) reflect.Value {
	return Indirect(v).Field(i)
}
