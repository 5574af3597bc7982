# params_stored: drawn by `gnuplot params_stored.gp` from params_stored.dat; edit freely and re-run.
set terminal pngcairo size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'params_stored.png'
set title "Parameters stored after shrinking" noenhanced
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "parameters stored (millions)" noenhanced
set key outside right top box opaque
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set format x '%.0f%%'
plot 'params_stored.dat' index 0 using ($1*100):2 title "mlp.up_proj -> mlp.down_proj" noenhanced with linespoints lc rgb '#0072B2' dt 1 pt 7 ps 0.8, \
     'params_stored.dat' index 1 using ($1*100):2 title "mlp.up_proj" noenhanced with linespoints lc rgb '#D55E00' dt 1 pt 7 ps 0.8, \
     134.515008 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 900,600 enhanced font 'Sans,12' linewidth 1.5
set output 'params_stored.svg'
replot
unset output
